import {
  AllStreamRecordedEvent,
  BACKWARDS,
  END,
  EventStoreDBClient,
  ReadAllOptions as StoredReadAllOptions,
  ReadStreamOptions as StoredReadStreamOptions,
  RecordedEvent as StoredEvent,
  StreamNotFoundError,
  streamNameFilter,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { assertExpectedRevision, planAppend, StoredIdentity } from './append-plan';
import { toEventData, toRecordedEvent } from './eventstoredb-codec';
import { readFrom } from './eventstoredb-position';
import { chainHashes, previousHashOf } from './hash-chain';
import { toStoredExpectedRevision, toWrongExpectedRevisionError } from './eventstoredb-revisions';
import { EventStoreDbSubscription } from './eventstoredb-subscription';
import {
  AppendResult,
  customerStreamId,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  Subscription,
} from './event-store.port';

/** The streams of this engine: `customer-<id>`, the audit checkpoints', the policy activations'. */
const ENGINE_STREAM_PREFIXES = [customerStreamId(''), 'audit-checkpoints', 'policy-activations'];
/** Appends with `any` that keep meeting concurrent writers give up after this many reads. */
const MAX_APPEND_ATTEMPTS = 8;

export interface EventStoreDbEventStoreOptions {
  /**
   * Prepended to every stream name on the server (default none), so that several engines, or
   * test runs, can share one EventStoreDB without seeing each other's events.
   */
  readonly namespace?: string;
}

const isAfter = (event: RecordedEvent, after: bigint | undefined): boolean =>
  after === undefined || event.position > after;

/**
 * The event store on EventStoreDB / KurrentDB. Stream `customer-<id>` is the server stream of
 * that name (after the namespace, if any); reading $all keeps only those streams, without the
 * server's own `$` events. Positions: see eventstoredb-position.ts. Metadata layout: see
 * eventstoredb-codec.ts. The connection's user must be allowed to read $all.
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly namespace: string;
  /** Server-side stream-name prefixes of this engine's streams. */
  private readonly streamPrefixes: string[];

  private constructor(
    private readonly client: EventStoreDBClient,
    options: EventStoreDbEventStoreOptions,
  ) {
    this.namespace = options.namespace ?? '';
    this.streamPrefixes = ENGINE_STREAM_PREFIXES.map((prefix) => `${this.namespace}${prefix}`);
  }

  /** Connects and reads one event of $all, so a wrong address or missing right fails at start. */
  static async connect(
    connectionString: string,
    options: EventStoreDbEventStoreOptions = {},
  ): Promise<EventStoreDbEventStore> {
    // Conflicts must throw (with the actual revision) for appends to be checked and retried.
    if (/[?&]throwOnAppendFailure=false/i.test(connectionString)) {
      throw new RangeError(
        'EventStoreDB connection string: throwOnAppendFailure=false is not supported',
      );
    }
    if (options.namespace?.startsWith('$')) {
      throw new RangeError('EventStoreDB namespace must not start with $ (system streams)');
    }
    const store = new EventStoreDbEventStore(
      EventStoreDBClient.connectionString(connectionString),
      options,
    );
    try {
      await store.probe();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  async appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult> {
    if (events.length === 0) throw new RangeError('appendToStream needs at least one event');
    const name = this.nameOf(streamId);
    for (let attempt = 1; ; attempt++) {
      // The server's own idempotence holds only for a repeat at the same expected revision, so
      // duplicates are found by reading the stream: ids are unique within a stream, forever.
      const current = await this.streamState(name);
      const plan = planAppend(events, current.identities, current.revision);
      if (plan.fresh.length === 0) {
        return { outcomes: plan.outcomesAt([]), streamRevision: current.revision };
      }
      assertExpectedRevision(streamId, expectedRevision, current.revision);
      // Chained to the head just read; the append's expected revision keeps the link true.
      const previous = previousHashOf(current.revision, current.headHash);
      const hashes =
        previous === null
          ? []
          : chainHashes(
              previous,
              plan.fresh.map(({ event, revision }) => ({ ...event, streamId, revision })),
            );
      try {
        await this.client.appendToStream(
          name,
          plan.fresh.map(({ event }, index) => toEventData(event, hashes[index])),
          { expectedRevision: toStoredExpectedRevision(current.revision) },
        );
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        // Another writer got in between. Reading again turns a racing retry of this very batch
        // into duplicates, and a real conflict into the caller's WrongExpectedRevisionError.
        if (attempt === MAX_APPEND_ATTEMPTS) {
          throw toWrongExpectedRevisionError(error, streamId, expectedRevision);
        }
        continue;
      }
      const positions = await this.positionsAfter(streamId, current.revision, plan.fresh.length);
      return {
        outcomes: plan.outcomesAt(positions),
        streamRevision: current.revision + plan.fresh.length,
        lastPosition: positions[positions.length - 1],
      };
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    const read = this.storedEvents(this.nameOf(streamId), {
      fromRevision: BigInt(options.fromRevision ?? 0),
      maxCount: options.maxCount,
    });
    for await (const stored of read) events.push(toRecordedEvent(stored, streamId));
    return events;
  }

  async readAll({ after, maxCount = Infinity }: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    if (maxCount <= 0) return events;
    await this.forEachEngineEvent({ fromPosition: readFrom(after) }, (event) => {
      if (isAfter(event, after)) events.push(event);
      return events.length < maxCount;
    });
    return events;
  }

  async headPosition(): Promise<bigint | undefined> {
    let head: bigint | undefined;
    await this.forEachEngineEvent({ fromPosition: END, direction: BACKWARDS }, (event) => {
      head = event.position;
      return false;
    });
    return head;
  }

  async countEvents(after?: bigint): Promise<number> {
    let count = 0;
    await this.forEachEngineEvent({ fromPosition: readFrom(after) }, (event) => {
      if (isAfter(event, after)) count++;
      return true;
    });
    return count;
  }

  subscribeToAll(options: { readonly after?: bigint } = {}): Subscription {
    return new EventStoreDbSubscription(
      (fromPosition) =>
        this.client.subscribeToAll({
          fromPosition,
          resolveLinkTos: false,
          filter: streamNameFilter({ prefixes: this.streamPrefixes }),
        }),
      ({ event }) => event && this.decode(event),
      options.after,
    );
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }

  private nameOf(streamId: string): string {
    return `${this.namespace}${streamId}`;
  }

  /** The port's event for one of this engine's; undefined for other streams and `$` events. */
  private decode(event: AllStreamRecordedEvent): RecordedEvent | undefined {
    const ours = this.streamPrefixes.some((prefix) => event.streamId.startsWith(prefix));
    if (!ours || event.type.startsWith('$')) {
      return undefined;
    }
    return toRecordedEvent(event, event.streamId.slice(this.namespace.length));
  }

  /** A stream's events; none when it does not exist. */
  private async *storedEvents(
    name: string,
    options: StoredReadStreamOptions,
  ): AsyncGenerator<StoredEvent> {
    try {
      for await (const { event } of this.client.readStream(name, options)) {
        if (event) yield event;
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
  }

  /** Last revision and event ids, read from the leader: an append is checked against them. */
  private async streamState(name: string): Promise<{
    revision: number;
    headHash: string | undefined;
    identities: Map<string, StoredIdentity>;
  }> {
    const identities = new Map<string, StoredIdentity>();
    let revision = -1;
    let headHash: string | undefined;
    for await (const stored of this.storedEvents(name, { requiresLeader: true })) {
      revision = Number(stored.revision);
      const recorded = toRecordedEvent(stored, name);
      identities.set(stored.id, { revision, content: recorded });
      headHash = recorded.hash;
    }
    return { revision, headHash, identities };
  }

  /** Positions of the events just appended after `revision`: the append answers only one. */
  private async positionsAfter(
    streamId: string,
    revision: number,
    count: number,
  ): Promise<bigint[]> {
    const positions: bigint[] = [];
    const read = this.storedEvents(this.nameOf(streamId), {
      fromRevision: BigInt(revision + 1),
      maxCount: count,
      requiresLeader: true,
    });
    for await (const stored of read) positions.push(toRecordedEvent(stored, streamId).position);
    return positions;
  }

  /**
   * Visits this engine's events of $all from a position until `visit` returns false. The
   * client's readAll (6.x) takes no server-side filter, unlike its subscribeToAll, so other
   * streams' events are read and skipped here.
   */
  private async forEachEngineEvent(
    options: StoredReadAllOptions,
    visit: (event: RecordedEvent) => boolean,
  ): Promise<void> {
    const read = this.client.readAll({ ...options, resolveLinkTos: false });
    try {
      for await (const { event } of read) {
        const recorded = event && this.decode(event);
        if (recorded && !visit(recorded)) break;
      }
    } finally {
      await read.cancel();
    }
  }

  /** Reads the last event of $all, whatever its stream. */
  private async probe(): Promise<void> {
    await this.client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 }).toArray();
  }
}
