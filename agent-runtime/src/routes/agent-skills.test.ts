import { describe, expect, it } from 'vitest';
import { toolName } from './agent-skills.ts';

describe('toolName', () => {
  it('turns a path into a name MCP clients and models accept', () => {
    expect(toolName('summarize', new Set())).toBe('summarize');
    expect(toolName('review/code', new Set())).toBe('review_code');
    expect(toolName('a/b-c/d_e', new Set())).toBe('a_b-c_d_e');
  });

  it('keeps every tool reachable when two paths give one name', () => {
    expect(toolName('review/code', new Set(['review_code']))).toBe('review_code_2');
    expect(toolName('review_code', new Set(['review_code', 'review_code_2']))).toBe('review_code_3');
  });
});
