import { describe, expect, it } from 'vitest';
import type { DeployResult } from '../control-plane/control-plane.ts';
import {
  ClusterRejectedError,
  ConflictError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from '../core/errors.ts';
import { deployBatchResponse, deployResponse, headersOf, problemOf, statusOf } from './responses.ts';

describe('domain errors as HTTP', () => {
  it.each([
    [new ValidationError([{ path: 'name', message: 'x' }]), 422, 'validation'],
    [new ValidationError([{ path: '(body)', message: 'x' }], { malformed: true }), 400, 'validation'],
    [new NotFoundError('no agent'), 404, 'not-found'],
    [new ConflictError('raced'), 409, 'conflict'],
    [new PayloadTooLargeError('big'), 413, 'payload-too-large'],
    [new UnauthorizedError('who'), 401, 'unauthorized'],
    [new UnavailableError('cluster', 'down'), 503, 'unavailable'],
    [new ClusterRejectedError('no'), 502, 'cluster-rejected'],
  ])('%s answers %i', (error, status, slug) => {
    expect(statusOf(error)).toBe(status);
    expect(problemOf(error)).toMatchObject({
      status,
      type: `https://fleetplane.io/problems/${slug}`,
      detail: error.message,
    });
  });

  it('takes Retry-After from the error, and says how to authenticate', () => {
    expect(headersOf(new UnavailableError('store', 'down', 30))).toEqual({ 'retry-after': '30' });
    expect(headersOf(new UnauthorizedError('who'))).toEqual({
      'www-authenticate': 'Bearer realm="fleetplane"',
    });
    expect(headersOf(new NotFoundError('x'))).toEqual({});
  });

  it('tells nothing of an unknown error but the request id', () => {
    const problem = problemOf(new Error('secret path /etc/x'), { requestId: 'r1' });
    expect(problem).toMatchObject({ status: 500, type: 'about:blank', title: 'Internal error' });
    expect(problem.detail).not.toContain('secret');
    expect(problem.detail).toContain('r1');
  });
});

describe('deploy results as HTTP', () => {
  const stored: DeployResult = {
    name: 'a',
    kind: 'stored',
    outcome: 'created',
    generation: 1,
    error: new UnavailableError('cluster', 'the cluster is unreachable', 7),
  };

  it('a single deploy whose apply failed is a problem that says the config is stored', async () => {
    const response = deployResponse(stored, '/deploy');
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('7');
    const body = await response.json();
    expect(body.detail).toMatch(
      /^generation 1 is stored, but applying it failed: the cluster is unreachable/,
    );
  });

  it('a batch maps each agent the same way, and one failure makes it 207', async () => {
    const failed: DeployResult = { name: 'b', kind: 'failed', error: new ConflictError('raced') };
    const response = deployBatchResponse([stored, failed]);
    expect(response.status).toBe(207);
    const body = await response.json();
    expect(body.failed).toEqual(['a', 'b']);
    expect(body.results.map((r: { status: number }) => r.status)).toEqual([503, 409]);
    const single = await deployResponse(stored, '/deploy').json();
    expect(body.results[0].error.detail).toBe(single.detail);
  });

  it('a batch in which every agent is unavailable answers 503 with the longest Retry-After', () => {
    const other: DeployResult = { ...stored, name: 'c', error: new UnavailableError('cluster', 'down', 12) };
    const response = deployBatchResponse([stored, other]);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('12');
  });
});
