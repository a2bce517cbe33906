/**
 * Kubernetes resource quantities ("500m", "1.5", "512Mi", "1G"): parsing and comparison.
 *
 * Pure. Follows the grammar of k8s.io/apimachinery resource.Quantity closely enough to
 * reject what the API server would reject and to compare requests with limits.
 */

const SUFFIX = '(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?';
const QUANTITY = new RegExp(`^([+-]?[0-9]+(?:\\.[0-9]*)?|[+-]?\\.[0-9]+)${SUFFIX}$`);

/**
 * The shape of a quantity that is not negative, as a JSON Schema `pattern` (ECMA-262, anchored).
 * It cannot say "not zero" or "not beyond a double's range": isPositiveQuantity does.
 */
export const POSITIVE_QUANTITY_PATTERN = `^(\\+?[0-9]+(\\.[0-9]*)?|\\+?\\.[0-9]+)${SUFFIX}$`;

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/**
 * The quantity's value in base units (cores, bytes), or undefined when it is not a quantity.
 * A value beyond a double's range ("1e999") is not one either: it would compare as Infinity.
 */
export function parseQuantity(text: string): number | undefined {
  const match = QUANTITY.exec(text.trim() === text ? text : '');
  if (!match) return undefined;
  const number = Number(match[1]);
  const suffix = match[2] ?? '';
  const value =
    suffix in BINARY
      ? number * (BINARY[suffix] as number)
      : suffix in DECIMAL
        ? number * (DECIMAL[suffix] as number)
        : number * 10 ** Number(suffix.slice(1));
  return Number.isFinite(value) ? value : undefined;
}

/** A quantity that is well formed and strictly positive. */
export function isPositiveQuantity(text: string): boolean {
  const value = parseQuantity(text);
  return value !== undefined && value > 0;
}

/** Formats a CPU amount in cores as millicores ("250m") or whole cores ("2"). */
export function formatCpu(cores: number): string {
  const milli = Math.round(cores * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Formats bytes as the largest binary unit that divides them ("512Mi", "1Gi"), else plain bytes. */
export function formatMemory(bytes: number): string {
  const whole = Math.round(bytes);
  for (const unit of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const) {
    const size = BINARY[unit] as number;
    if (whole >= size && whole % size === 0) return `${whole / size}${unit}`;
  }
  return String(whole);
}
