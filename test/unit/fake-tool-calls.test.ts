import { describe, expect, it } from 'vitest';
import { toolCallsFromPrompt, toolResultsReply } from '../support/fake-tool-calls.ts';

const tool = (name: string, properties: Record<string, { type: string }>) => ({
  type: 'function',
  function: { name, parameters: { type: 'object', properties } },
});

describe('the stand-in model’s tool calls', () => {
  const tools = [
    tool('weather', { city: { type: 'string' } }),
    tool('lookup', { thing: { type: 'string' }, depth: { type: 'integer' } }),
    tool('weather_alerts', { region: { type: 'string' } }),
  ];

  it('calls each offered tool the user names, in order, with key=value arguments', () => {
    const calls = toolCallsFromPrompt(
      [{ role: 'user', content: 'lookup thing="a b" depth=2 then weather: Paris' }],
      tools,
    );
    expect(calls).toEqual([
      { id: 'call_0_lookup', name: 'lookup', arguments: '{"thing":"a b","depth":2}' },
      { id: 'call_1_weather', name: 'weather', arguments: '{"city":"Paris"}' },
    ]);
  });

  it('matches whole names only, and only on the user’s turn', () => {
    expect(
      toolCallsFromPrompt([{ role: 'user', content: 'weather_alerts region=north' }], tools).map(
        (c) => c.name,
      ),
    ).toEqual(['weather_alerts']);
    expect(toolCallsFromPrompt([{ role: 'user', content: 'no tool here' }], tools)).toEqual([]);
    expect(toolCallsFromPrompt([{ role: 'tool', content: 'weather' }], tools)).toEqual([]);
    expect(toolCallsFromPrompt([{ role: 'user', content: 'weather: x' }], [])).toEqual([]);
  });

  it('answers with each result after the calls', () => {
    const reply = toolResultsReply([
      { role: 'user', content: 'q' },
      {
        role: 'assistant',
        tool_calls: [
          { id: 'a', function: { name: 'weather' } },
          { id: 'b', function: { name: 'lookup' } },
        ],
      },
      { role: 'tool', tool_call_id: 'a', content: 'sunny' },
      { role: 'tool', tool_call_id: 'b', content: 'ERROR: nope' },
    ]);
    expect(reply).toBe('weather: sunny\nlookup: ERROR: nope');
    expect(toolResultsReply([{ role: 'user', content: 'q' }])).toBeUndefined();
  });
});
