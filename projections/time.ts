/**
 * Instant arithmetic without a clock. Every instant kept in state is normalised to
 * `YYYY-MM-DDTHH:mm:ss.sssZ` so that string comparison equals time comparison and a rebuild
 * produces byte-identical documents whatever precision the producer used.
 */
const MS_PER_DAY = 86_400_000;

export function toMillis(instant: string): number {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new Error(`not an ISO 8601 instant: ${instant}`);
  return ms;
}

const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function normaliseInstant(instant: string): string {
  // Most producers already send the canonical form; skipping the round trip keeps replays fast.
  return CANONICAL.test(instant) ? instant : new Date(toMillis(instant)).toISOString();
}

export function addDays(instant: string, days: number): string {
  return new Date(toMillis(instant) + days * MS_PER_DAY).toISOString();
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.floor((toMillis(to) - toMillis(from)) / MS_PER_DAY);
}

/** Whole calendar months from `from` to `to`, never negative. */
export function monthsBetween(from: string, to: string): number {
  const a = new Date(toMillis(from));
  const b = new Date(toMillis(to));
  let months = (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth());
  if (b.getUTCDate() < a.getUTCDate()) months -= 1;
  return Math.max(0, months);
}

export function laterOf(a: string | null, b: string): string {
  return a === null || b > a ? b : a;
}

export function earlierOf(a: string | null, b: string): string {
  return a === null || b < a ? b : a;
}
