/**
 * The test stand-in for the kubelet's env expansion (test/support/kubelet-env.ts) behaves as
 * Kubernetes' expansion package does, on cases from its own tests (expand_test.go).
 */
import { describe, expect, it } from 'vitest';
import { escapeKubernetes } from '../../functions/src/core/agent-objects/kubernetes-literal.ts';
import { kubeletEnv, kubeletExpand } from '../support/kubelet-env.ts';

const vars: Record<string, string> = { VAR_A: 'A', VAR_B: 'B', VAR_EMPTY: '' };
const expand = (input: string) => kubeletExpand(input, (name) => vars[name]);

describe('kubeletExpand', () => {
  it.each([
    ['$(VAR_A)', 'A'],
    ['___$(VAR_B)___', '___B___'],
    ['$(VAR_A)-$(VAR_B)', 'A-B'],
    ['$(VAR_EMPTY)', ''],
    ['$(VAR_DOES_NOT_EXIST)', '$(VAR_DOES_NOT_EXIST)'],
    ['$$(VAR_B)_$(VAR_A)', '$(VAR_B)_A'],
    ['$$$$$$(VAR_A)', '$$$(VAR_A)'],
    ['$$$(VAR_A)', '$A'],
    ['$(VAR_A', '$(VAR_A'],
    ['$VAR_A', '$VAR_A'],
    ['$', '$'],
    ['$$', '$'],
    ['f00__(VAR_A)__', 'f00__(VAR_A)__'],
  ])('expands %s to %s', (input, output) => {
    expect(expand(input)).toBe(output);
  });

  it('expands against earlier variables only, and gives back what escapeKubernetes escaped', () => {
    const env = kubeletEnv([
      { name: 'KEY', fromSource: 'sk-$(x)' },
      { name: 'LEAK', value: '$(KEY).attacker.example' },
      { name: 'SAFE', value: escapeKubernetes('$(KEY).attacker.example') },
      { name: 'LATER', value: '$(AFTER)' },
      { name: 'AFTER', value: 'x' },
    ]);
    expect(env).toEqual({
      KEY: 'sk-$(x)',
      LEAK: 'sk-$(x).attacker.example',
      SAFE: '$(KEY).attacker.example',
      LATER: '$(AFTER)',
      AFTER: 'x',
    });
  });
});
