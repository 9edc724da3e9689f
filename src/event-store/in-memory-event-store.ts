import { assertExpectedRevision, identitiesOf, planAppend } from './append-plan';
import {
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  Subscription,
} from './event-store.port';
import { chainHash, GENESIS_HASH } from './hash-chain';
import { PollingSubscription } from './polling-subscription';

/** For unit tests only: the same contract as the real adapters, kept in process memory. */
export class InMemoryEventStore implements EventStore {
  private readonly all: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly listeners = new Set<() => void>();

  async appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult> {
    if (events.length === 0) throw new RangeError('appendToStream needs at least one event');
    const stream = this.streams.get(streamId) ?? [];
    const current = stream.length - 1;
    const plan = planAppend(events, identitiesOf(stream), current);
    if (plan.fresh.length === 0) return { outcomes: plan.outcomesAt([]), streamRevision: current };
    assertExpectedRevision(streamId, expectedRevision, current);

    const recordedAt = new Date().toISOString();
    let previous = stream.at(-1)?.hash ?? GENESIS_HASH;
    const stored = plan.fresh.map(({ event, revision }) => {
      const chained = { ...structuredClone(event), streamId, revision };
      previous = chainHash(previous, chained);
      const recorded: RecordedEvent = {
        ...chained,
        position: BigInt(this.all.length),
        recordedAt,
        hash: previous,
      };
      this.all.push(recorded);
      return recorded;
    });
    this.streams.set(streamId, [...stream, ...stored]);
    this.listeners.forEach((listener) => listener());
    return {
      outcomes: plan.outcomesAt(stored.map((event) => event.position)),
      streamRevision: current + stored.length,
      lastPosition: stored[stored.length - 1].position,
    };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const from = options.fromRevision ?? 0;
    const events = (this.streams.get(streamId) ?? []).filter((event) => event.revision >= from);
    return structuredClone(events.slice(0, options.maxCount ?? events.length));
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const start = options.after === undefined ? 0 : Number(options.after) + 1;
    const end = options.maxCount === undefined ? undefined : start + options.maxCount;
    return structuredClone(this.all.slice(start, end));
  }

  async headPosition(): Promise<bigint | undefined> {
    return this.all.length === 0 ? undefined : BigInt(this.all.length - 1);
  }

  async countEvents(after?: bigint): Promise<number> {
    return after === undefined ? this.all.length : Math.max(0, this.all.length - Number(after) - 1);
  }

  subscribeToAll(options: { readonly after?: bigint } = {}): Subscription {
    return new PollingSubscription(
      (after, maxCount) => this.readAll({ after, maxCount }),
      async (onAppend) => {
        this.listeners.add(onAppend);
        return async () => void this.listeners.delete(onAppend);
      },
      options.after,
    );
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
