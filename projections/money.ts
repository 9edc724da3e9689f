/**
 * Money arithmetic on integer minor units held as decimal strings (they may exceed 2^53).
 * BigInt is used only inside these functions; state keeps the strings.
 */
import type { Policy } from './policy';

const MINOR_UNITS = /^-?\d{1,30}$/;

export function parseMinor(amount: string): bigint {
  if (!MINOR_UNITS.test(amount)) throw new Error(`not an amount in minor units: ${amount}`);
  return BigInt(amount);
}

export function compareMinor(a: string, b: string): number {
  const x = parseMinor(a);
  const y = parseMinor(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `amount * percent / 100`, truncated toward zero. */
export function percentOf(amount: string, percent: number): string {
  return ((parseMinor(amount) * BigInt(Math.round(percent * 100))) / 10_000n).toString();
}

/** Whole percent by which `current` is below `reference` (0 when not below or reference <= 0). */
export function dropPercent(reference: string, current: string): number {
  const ref = parseMinor(reference);
  const cur = parseMinor(current);
  if (ref <= 0n || cur >= ref) return 0;
  return Number(((ref - cur) * 100n) / ref);
}

/**
 * Converts an amount to the policy's base currency at the policy's fixed rate, truncating
 * toward zero. Returns null for a currency the policy has no rate for: such a balance is left
 * out of AUM rather than guessed. Real rates would arrive later as events of their own.
 */
export function toBaseMinor(amount: string, currency: string, policy: Policy): string | null {
  const source = policy.currencies[currency];
  const base = policy.currencies[policy.baseCurrency];
  if (source === undefined || base === undefined) return null;
  const [whole, fraction = ''] = source.rateToBase.split('.');
  const rateScaled = BigInt(whole + fraction);
  const exponent = base.minorUnits - source.minorUnits - fraction.length;
  const scaled = parseMinor(amount) * rateScaled;
  const converted =
    exponent >= 0 ? scaled * 10n ** BigInt(exponent) : scaled / 10n ** BigInt(-exponent);
  return converted.toString();
}
