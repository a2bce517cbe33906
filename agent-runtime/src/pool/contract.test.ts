import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REPORT_SHARDS,
  FAILED_ANNOTATION,
  MAX_LOAD_ERROR_CHARS,
  type PoolReport,
  reportAnnotations,
  reportFromAnnotations,
  SERVING_ANNOTATION,
  shardOf,
  splitReport,
} from './contract.ts';

/** What the API server allows for all of an object's annotations together. */
const ANNOTATIONS_LIMIT = 256 * 1024;
const names = Array.from(
  { length: 10_000 },
  (_, i) => `agent-with-a-long-name-${String(i).padStart(5, '0')}`,
);

describe("the pool's report", () => {
  it('fits every shard in an object at 10,000 agents, even if every one of them failed', () => {
    const worst: PoolReport = { serving: {}, failed: {} };
    for (const name of names)
      worst.failed[name] = {
        generation: 123_456,
        version: '123456789012',
        error: 'x'.repeat(MAX_LOAD_ERROR_CHARS * 2),
      };
    const sizes = splitReport(worst, DEFAULT_REPORT_SHARDS).map((part) =>
      Object.entries(reportAnnotations(part)).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(v), 0),
    );
    expect(Math.max(...sizes)).toBeLessThan(ANNOTATIONS_LIMIT);
    // Spread evenly enough that no shard holds much more than its share.
    const counts = splitReport(worst, DEFAULT_REPORT_SHARDS).map((part) => Object.keys(part.failed).length);
    expect(Math.max(...counts)).toBeLessThan((names.length / DEFAULT_REPORT_SHARDS) * 1.2);
  });

  it('reads back what it wrote, shard by shard, with errors capped', () => {
    const report: PoolReport = {
      serving: { alpha: { generation: 3, version: '101' } },
      failed: { beta: { generation: 1, version: '7', error: 'y'.repeat(500) } },
    };
    const parts = splitReport(report, 4);
    expect(parts[shardOf('alpha', 4)]?.serving.alpha).toEqual({ generation: 3, version: '101' });
    const back = parts.map((part) => reportFromAnnotations(reportAnnotations(part)));
    expect(back.find((part) => part.failed.beta)?.failed.beta?.error).toHaveLength(MAX_LOAD_ERROR_CHARS);
  });

  it('drops whatever is malformed: it is read back as untrusted data', () => {
    const read = reportFromAnnotations({
      [SERVING_ANNOTATION]: JSON.stringify({
        good: [2, '9'],
        'Not A Name': [1, '1'],
        negative: [-1, '1'],
        text: ['2', '9'],
        short: [2],
        object: { generation: 2 },
      }),
      [FAILED_ANNOTATION]: '{not json',
    });
    expect(read).toEqual({ serving: { good: { generation: 2, version: '9' } }, failed: {} });
    expect(reportFromAnnotations(undefined)).toEqual({ serving: {}, failed: {} });
    expect(reportFromAnnotations({ [SERVING_ANNOTATION]: '[1,2]' })).toEqual({ serving: {}, failed: {} });
  });
});
