/**
 * What the README tells a new user stays true where the code decides it: the agents' rate-limit
 * default is the platform's and is stated once, the OpenAI-compatible API has one story in both
 * READMEs, and the quick start says what to set when port 8080 is taken.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveAgentSpec, validateAgentConfig } from '../../functions/src/core/agent-spec.ts';
import { PLATFORM_AGENT_DEFAULTS } from '../../functions/src/core/platform.ts';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');
const runtimeReadme = readFileSync(new URL('agent-runtime/README.md', root), 'utf8');
const section = (title: string) => {
  const start = readme.indexOf(`\n## ${title}\n`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end);
};
const configRow = (field: string) =>
  section('The agent config')
    .split('\n')
    .find((line) => line.startsWith(`| \`${field}\` |`)) ?? '';

describe('the README, against the code', () => {
  it("states the agents' rate-limit default once, as the platform renders it", () => {
    const rendered = validateAgentConfig({ name: 'defaults' });
    if (!rendered.ok) throw new Error('the minimal config must be valid');
    expect(rendered.spec.limits.rateLimitPerMinute).toBe(PLATFORM_AGENT_DEFAULTS.rateLimitPerMinute);
    const defaults = configRow('limits').split('|').at(-2)?.trim();
    expect(defaults).toBe(`1 MiB, 60 s, 2, ${PLATFORM_AGENT_DEFAULTS.rateLimitPerMinute}`);
    // Nowhere else a figure of its own (the Security section points at the table).
    expect(readme.match(/\d+ requests per minute|\d+\/min/g)).toBeNull();
  });

  it('tells one story of the OpenAI-compatible API: on unless openaiCompatible is false', () => {
    const spec = (config: object) => resolveAgentSpec({ name: 'v1', ...config } as never).endpoints;
    expect(spec({ endpoints: ['generate'] })).toContain('chat');
    expect(spec({ endpoints: ['generate'], openaiCompatible: false })).not.toContain('chat');
    expect(configRow('openaiCompatible')).toMatch(
      /`false` switches the OpenAI-compatible API off.*\| `true` \|$/,
    );
    expect(configRow('endpoints')).toMatch(/listing `chat` changes nothing/);
    expect(readme).not.toMatch(/always on/);
    expect(runtimeReadme).toMatch(/for a deployed agent it is on by\s+default/);
    expect(runtimeReadme).not.toMatch(/on only when/);
  });

  it('says in its quick start what to set when port 8080 is taken', () => {
    const quickStart = section('Quick start (no cloud account, no API key)');
    expect(quickStart).toMatch(/`PORT=8081 npm start`/);
    expect(quickStart).toMatch(/`export FLEETPLANE_URL=http:\/\/127\.0\.0\.1:8081`/);
  });
});
