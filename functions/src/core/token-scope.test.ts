import { describe, expect, it } from 'vitest';
import { ADMIN_SCOPE, covers, globMatches, refusalOf, scopeLabel, type TokenScope } from './token-scope.ts';

const deployer: TokenScope = { role: 'deployer', names: 'team-a-*' };
const viewer: TokenScope = { role: 'viewer', names: 'team-a-*' };

describe('name globs', () => {
  it.each([
    ['*', 'anything', true],
    ['team-a-*', 'team-a-x', true],
    ['team-a-*', 'team-a-', true],
    ['team-a-*', 'team-b-x', false],
    ['team-a-*', 'xteam-a-x', false],
    ['*-bot', 'support-bot', true],
    ['*-bot', 'support-bots', false],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
    ['a*b*c', 'a-x-b-y-c', true],
  ])('%s matches %s: %s', (glob, name, matches) => {
    expect(globMatches(glob, name)).toBe(matches);
  });
});

describe('what a role may do', () => {
  it('admin: every verb on every name, gc included', () => {
    for (const verb of ['list', 'get', 'deploy', 'delete', 'rollback', 'logs', 'gc'] as const)
      expect(refusalOf(ADMIN_SCOPE, verb, verb === 'gc' ? [] : ['any-name'])).toBeUndefined();
    expect(covers(ADMIN_SCOPE, 'x')).toBe(true);
  });

  it('deployer: reads and writes inside its glob only, never gc', () => {
    for (const verb of ['get', 'config', 'revisions', 'logs', 'deploy', 'delete', 'rollback'] as const) {
      expect(refusalOf(deployer, verb, ['team-a-x'])).toBeUndefined();
      expect(refusalOf(deployer, verb, ['team-b-x'])).toBe(
        `this token's scope is deployer:team-a-* (deploy, delete, roll back and read agents named team-a-*), so it may not ${verb} "team-b-x": that needs ${
          ['deploy', 'delete', 'rollback'].includes(verb)
            ? 'a deployer token whose glob matches the name, or an admin token'
            : 'any token whose glob matches the name'
        }`,
      );
    }
    expect(refusalOf(deployer, 'gc')).toMatch(
      /scope is deployer:team-a-\* .*so it may not gc: that needs an admin token, since it acts on the whole fleet/,
    );
  });

  it('viewer: reads inside its glob, no write at all', () => {
    expect(refusalOf(viewer, 'logs', ['team-a-x'])).toBeUndefined();
    expect(refusalOf(viewer, 'deploy', ['team-a-x'])).toBe(
      "this token's scope is viewer:team-a-* (read-only: list, status, config, revisions and logs of agents named team-a-*), so it may not deploy: that needs a deployer token whose glob matches the name, or an admin token",
    );
    expect(refusalOf(viewer, 'delete', ['team-a-x'])).toMatch(/may not delete:/);
  });

  it('refuses a batch whole, naming every name outside the glob', () => {
    expect(refusalOf(deployer, 'deploy', ['team-a-1', 'team-b-1', 'other'])).toBe(
      `this token's scope is deployer:team-a-* (deploy, delete, roll back and read agents named team-a-*), so it may not deploy "team-b-1", "other" (outside its glob); nothing was done, since a request is refused whole`,
    );
    expect(refusalOf(deployer, 'deploy', ['team-a-1', 'team-a-2'])).toBeUndefined();
  });

  it('labels a scope as role:glob', () => {
    expect(scopeLabel(deployer)).toBe('deployer:team-a-*');
    expect(scopeLabel(ADMIN_SCOPE)).toBe('admin:*');
  });
});
