/** Where the console's deploy page puts a field error in the JSON text: paths as the API writes them. */
import { describe, expect, it } from 'vitest';
import {
  lineOf,
  offsetOf,
  pathOffsets,
  syntaxErrorOffset,
} from '../../functions/src/console/browser/json-locate.ts';

const text = `{
  "name": "a\\"b}",
  "env": [
    { "name": "X", "value": "[1,2]" },
    { "name": "API_TOKEN", "value": "v" }
  ],
  "scaling": { "replicas": 0 },
  "agents": [[], {}]
}`;

describe('field error paths to lines', () => {
  const offsets = pathOffsets(text);
  const line = (path: string) => lineOf(text, offsetOf(offsets, path));

  it('finds members and array elements, past escaped quotes and brackets inside strings', () => {
    expect(line('name')).toBe(2);
    expect(line('env[0]')).toBe(4);
    expect(line('env[1].value')).toBe(5);
    expect(line('scaling.replicas')).toBe(7);
    expect(line('agents[1]')).toBe(8);
  });

  it('falls back to the nearest ancestor for a missing field, and to the document', () => {
    expect(line('scaling.max_replicas')).toBe(7);
    expect(line('env[7].name')).toBe(3);
    expect(line('template')).toBe(1);
    expect(line('(root)')).toBe(1);
  });

  it('reads the position out of a JSON.parse message', () => {
    let message = '';
    try {
      JSON.parse('{\n  "name": "x",\n  oops\n}');
    } catch (error) {
      message = (error as Error).message;
    }
    const offset = syntaxErrorOffset(message);
    expect(offset).toBeDefined();
    expect(lineOf('{\n  "name": "x",\n  oops\n}', offset as number)).toBe(3);
  });
});
