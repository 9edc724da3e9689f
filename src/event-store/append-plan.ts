import { contentKeyOf, EventContent } from './event-content';
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

/** An event the stream already holds: its revision and what it says (EventContent). */
export interface StoredIdentity {
  readonly revision: number;
  readonly content: EventContent;
}

/**
 * Splits a batch into events to store, duplicates (of an event already in the stream, or of an
 * earlier event of the same batch, with the same content) and reused ids (the same id with
 * other content: refused). Shared by the adapters that decide idempotency themselves.
 */
export function planAppend(
  events: readonly EventToAppend[],
  existing: ReadonlyMap<string, StoredIdentity>,
  current: number,
): AppendPlan {
  const seen = new Map(existing);
  const fresh: FreshEvent[] = [];
  const slots = events.map((event) => {
    const eventId = event.eventId.toLowerCase();
    const stored = seen.get(eventId);
    if (stored !== undefined) {
      // Fingerprints only on a repeated id, which is rare: appends of new events never hash.
      const same = contentKeyOf(stored.content) === contentKeyOf(event);
      const status = same ? 'duplicate' : 'reused';
      return { eventId, revision: stored.revision, freshIndex: -1, status } as const;
    }
    const revision = current + fresh.length + 1;
    seen.set(eventId, { revision, content: event });
    fresh.push({ event: { ...event, eventId }, revision });
    return { eventId, revision, freshIndex: fresh.length - 1, status: 'appended' } as const;
  });
  return {
    fresh,
    outcomesAt: (positions) =>
      slots.map(({ eventId, revision, freshIndex, status }) =>
        status === 'appended'
          ? { eventId, status, revision, position: positions[freshIndex] }
          : { eventId, status, revision },
      ),
  };
}

/** The identities of stored events, for planAppend. */
export const identitiesOf = (
  events: Iterable<EventToAppend & { readonly revision: number }>,
): Map<string, StoredIdentity> =>
  new Map(
    [...events].map((event) => [
      event.eventId.toLowerCase(),
      { revision: event.revision, content: event },
    ]),
  );

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
