import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPositiveQuantity, POSITIVE_QUANTITY_PATTERN } from './quantity.ts';

const pattern = new RegExp(POSITIVE_QUANTITY_PATTERN);
const suffixes = ['', 'm', 'k', 'M', 'G', 'Ki', 'Mi', 'Gi', 'e3', 'E-2', 'n', 'u', 'Ti'];

describe('the JSON Schema pattern of a positive quantity', () => {
  it('matches every quantity the API accepts', () => {
    const quantity = fc
      .tuple(
        fc.constantFrom('', '+', '-'),
        fc.nat({ max: 100_000 }),
        fc.option(fc.nat({ max: 999 })),
        fc.constantFrom(...suffixes),
      )
      .map(
        ([sign, whole, fraction, suffix]) =>
          `${sign}${whole}${fraction === null ? '' : `.${fraction}`}${suffix}`,
      );
    fc.assert(
      fc.property(fc.oneof(quantity, fc.string()), (text) => {
        if (isPositiveQuantity(text)) expect(text).toMatch(pattern);
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses what no quantity looks like, and negative ones', () => {
    for (const text of ['', '1 GiB', 'lots', '-1', '1Mb', '0x10', ' 1', '1m ', '.'])
      expect({ text, matches: pattern.test(text) }).toEqual({ text, matches: false });
    for (const text of ['500m', '1', '1.5', '512Mi', '1Gi', '+2', '.5', '1e3'])
      expect({ text, matches: pattern.test(text) }).toEqual({ text, matches: true });
  });
});
