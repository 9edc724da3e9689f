import {
  AppendOutcome,
  EventToAppend,
  ExpectedRevision,
  WrongExpectedRevisionError,
} from './event-store.port';

export interface FreshEvent {
  readonly event: EventToAppend;
  readonly revision: number;
}

export interface AppendPlan {
  /** Events to store, numbered after the stream's current revision, ids lower-cased. */
  readonly fresh: readonly FreshEvent[];
  /** The per-event outcomes once the fresh events got these positions (same order as `fresh`). */
  outcomesAt(positions: readonly bigint[]): AppendOutcome[];
}

/**
 * Splits a batch into events to store and duplicates (of an event already in the stream, or of
 * an earlier event of the same batch). Shared by the adapters that decide idempotency themselves.
 */
export function planAppend(
  events: readonly EventToAppend[],
  existing: ReadonlyMap<string, number>,
  current: number,
): AppendPlan {
  const seen = new Map(existing);
  const fresh: FreshEvent[] = [];
  const slots = events.map((event) => {
    const eventId = event.eventId.toLowerCase();
    const duplicateOf = seen.get(eventId);
    if (duplicateOf !== undefined) return { eventId, revision: duplicateOf, freshIndex: -1 };
    const revision = current + fresh.length + 1;
    seen.set(eventId, revision);
    fresh.push({ event: { ...event, eventId }, revision });
    return { eventId, revision, freshIndex: fresh.length - 1 };
  });
  return {
    fresh,
    outcomesAt: (positions) =>
      slots.map(({ eventId, revision, freshIndex }) =>
        freshIndex < 0
          ? { eventId, status: 'duplicate', revision }
          : { eventId, status: 'appended', revision, position: positions[freshIndex] },
      ),
  };
}

export function assertExpectedRevision(
  streamId: string,
  expected: ExpectedRevision,
  current: number,
): void {
  if (expected === 'any') return;
  const matches = expected === 'no_stream' ? current === -1 : current === expected;
  if (!matches)
    throw new WrongExpectedRevisionError(
      streamId,
      expected,
      current === -1 ? 'no_stream' : current,
    );
}
