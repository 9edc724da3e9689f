/**
 * The event store port: every adapter (in-memory, PostgreSQL/PGlite, EventStoreDB) implements
 * this and passes test/contract/event-store.contract.ts.
 */

/** Correlation data carried with every event; never personal data. */
export interface EventMetadata {
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly sourceSystem?: string;
  readonly [key: string]: unknown;
}

export interface EventToAppend {
  /**
   * Client-supplied UUID, compared lower-case. Appending an id the stream already holds is a
   * no-op: "duplicate" when the content (type, version, occurredAt, data) is the same,
   * "reused" (refused) when it differs.
   */
  readonly eventId: string;
  readonly type: string;
  readonly version: number;
  /** When it happened (ISO 8601, UTC). The store's own time is `recordedAt`. */
  readonly occurredAt: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly metadata: EventMetadata;
}

/** Just what the store takes of an event: anything else a caller's object carries is left out. */
export function eventToAppend({
  eventId,
  type,
  version,
  occurredAt,
  data,
  metadata,
}: EventToAppend): EventToAppend {
  return { eventId, type, version, occurredAt, data, metadata };
}

export interface RecordedEvent extends EventToAppend {
  readonly streamId: string;
  /** 0-based position of the event in its stream. */
  readonly revision: number;
  /**
   * Global position: totally ordered across all streams, strictly increasing in the order a
   * subscriber receives events. Opaque beyond ordering (gaps are normal).
   */
  readonly position: bigint;
  /** When the store recorded it (ISO 8601, UTC). */
  readonly recordedAt: string;
  /**
   * The event's link in its stream's hash chain (hash-chain.ts), lower-case hex; absent for an
   * event stored before the chain existed and not yet backfilled.
   */
  readonly hash?: string;
}

/** `no_stream`: the stream must not exist; `any`: no check; a number: the stream's last revision. */
export type ExpectedRevision = 'no_stream' | 'any' | number;

export type AppendOutcome =
  | {
      readonly eventId: string;
      readonly status: 'appended';
      readonly revision: number;
      readonly position: bigint;
    }
  | { readonly eventId: string; readonly status: 'duplicate'; readonly revision: number }
  /** The stream holds this id at `revision` with other content: nothing is stored. */
  | { readonly eventId: string; readonly status: 'reused'; readonly revision: number };

export interface AppendResult {
  /** One outcome per event, in the order given. */
  readonly outcomes: readonly AppendOutcome[];
  /** The stream's last revision after the append (-1 if the stream is still empty). */
  readonly streamRevision: number;
  /** Global position of the last appended event, or undefined when everything was a duplicate. */
  readonly lastPosition?: bigint;
}

export class WrongExpectedRevisionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

export interface ReadStreamOptions {
  /** First revision to return (inclusive). Default 0. */
  readonly fromRevision?: number;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Return events strictly after this position. Default: from the beginning. */
  readonly after?: bigint;
  readonly maxCount?: number;
}

/** A catch-up subscription: past events first, then live ones, each exactly once, in order. */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

export interface EventStore {
  appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult>;
  /** Events of one stream in revision order; empty when the stream does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Events of all streams in global order, only those a subscriber may already see. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** The position of the last event visible to readAll, or undefined when the store is empty. */
  headPosition(): Promise<bigint | undefined>;
  /** How many events readAll would return after `after` (all when undefined): for lag and progress. */
  countEvents(after?: bigint): Promise<number>;
  subscribeToAll(options?: { readonly after?: bigint }): Subscription;
  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EventStore');

/** Stream naming shared by every adapter. */
export const customerStreamId = (customerId: string): string => `customer-${customerId}`;
