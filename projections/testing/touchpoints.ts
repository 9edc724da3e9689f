/**
 * The one touchpoint builder of the tests and benches: projection and decider specs use the
 * event it returns as is, test/support/touchpoints.ts wraps it into ingest request bodies and
 * events to append. Typed: a type the engine does not accept, or a version its type does not
 * have, does not compile. No randomness here (projections are pure): ids count up unless given.
 */
import type { TouchpointType, TouchpointVersion, TypedEvent } from '../touchpoint-types';

let sequence = 0;

/** The next `e-000001`-style id of this module's counter. */
export function nextEventId(): string {
  sequence += 1;
  return `e-${String(sequence).padStart(6, '0')}`;
}

/**
 * A touchpoint of `type` at `version` (1 unless given), with `data` as given (typed as given, so
 * a test may reach into it) and `eventId` (the next counted id unless given).
 */
export function touchpoint<
  T extends TouchpointType,
  D extends Readonly<Record<string, unknown>> = Readonly<Record<string, unknown>>,
>(
  type: T,
  occurredAt: string,
  data: D = {} as D,
  version: TouchpointVersion<T> = 1 as TouchpointVersion<T>,
  eventId: string = nextEventId(),
): TypedEvent<T> & { readonly data: D } {
  return { eventId, type, version, occurredAt, data } as TypedEvent<T> & { readonly data: D };
}
