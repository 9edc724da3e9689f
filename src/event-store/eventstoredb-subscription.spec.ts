import {
  AllStreamResolvedEvent,
  ReadPosition,
  START,
  UnavailableError,
} from '@eventstore/db-client';
import { Logger } from '@nestjs/common';
import { UnreadableStoredEventError } from './eventstoredb-errors';
import { AllSubscriptionSource, EventStoreDbSubscription } from './eventstoredb-subscription';
import { RecordedEvent } from './event-store.port';

/** A resolved event reduced to its position; one without a position is another stream's. */
const at = (position: bigint): AllStreamResolvedEvent => ({ commitPosition: position });
const foreign: AllStreamResolvedEvent = {};

const decode = ({ commitPosition }: AllStreamResolvedEvent): RecordedEvent | undefined =>
  commitPosition === undefined
    ? undefined
    : {
        eventId: `e${commitPosition}`,
        type: 'ChannelInteraction',
        version: 1,
        occurredAt: '2026-03-01T09:30:00.000Z',
        data: {},
        metadata: {},
        streamId: 'customer-1',
        revision: Number(commitPosition),
        position: commitPosition,
        recordedAt: '2026-03-01T09:30:00.000Z',
      };

/** One server subscription: these items in order (an Error is a drop), then waits for more. */
function source(items: readonly (AllStreamResolvedEvent | Error)[]): AllSubscriptionSource & {
  unsubscribe: jest.Mock;
} {
  return {
    unsubscribe: jest.fn(async () => undefined),
    destroy: jest.fn(),
    async *[Symbol.asyncIterator]() {
      for (const item of items) {
        if (item instanceof Error) throw item;
        yield item;
      }
      await new Promise(() => undefined);
    },
  };
}

async function take(subscription: EventStoreDbSubscription, count: number): Promise<bigint[]> {
  const seen: bigint[] = [];
  for await (const event of subscription) {
    seen.push(event.position);
    if (seen.length === count) break;
  }
  return seen;
}

const dropped = () => new UnavailableError(undefined, 'connection lost');

describe('EventStoreDbSubscription', () => {
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it("given history and other streams' events, then it delivers this engine's in order", async () => {
    const opened: ReadPosition[] = [];
    const subscription = new EventStoreDbSubscription(
      (from) => {
        opened.push(from);
        return source([at(10n), foreign, at(20n), at(30n)]);
      },
      decode,
      undefined,
    );
    expect(await take(subscription, 3)).toEqual([10n, 20n, 30n]);
    expect(opened).toEqual([START]);
  });

  it('given a drop, then it resubscribes after the last delivered event: no gap, no repeat', async () => {
    const sources = [source([at(10n), at(20n), dropped()]), source([at(20n), at(30n)])];
    const opened: ReadPosition[] = [];
    const subscription = new EventStoreDbSubscription(
      (from) => {
        opened.push(from);
        return sources[opened.length - 1];
      },
      decode,
      5n,
      { retryDelayMs: 1 },
    );
    expect(await take(subscription, 3)).toEqual([10n, 20n, 30n]);
    expect(opened).toEqual([
      { commit: 5n, prepare: 5n },
      { commit: 20n, prepare: 20n },
    ]);
    expect(sources[0].unsubscribe).toHaveBeenCalled();
  });

  it('given an event it cannot read, then iteration fails with it instead of resubscribing', async () => {
    let opens = 0;
    const unreadable = new UnreadableStoredEventError(
      'customer-1',
      3n,
      'data is not a JSON object',
    );
    const subscription = new EventStoreDbSubscription(
      () => {
        opens++;
        return source([at(10n), unreadable]);
      },
      decode,
      undefined,
      { retryDelayMs: 1 },
    );
    await expect(take(subscription, 2)).rejects.toBe(unreadable);
    expect(opens).toBe(1);
  });

  it('given close while waiting for a live event, then iteration ends and the server call is cancelled', async () => {
    const live = source([at(10n)]);
    const subscription = new EventStoreDbSubscription(() => live, decode, undefined);
    const seen: bigint[] = [];
    setTimeout(() => void subscription.close(), 20);
    for await (const event of subscription) seen.push(event.position);
    expect(seen).toEqual([10n]);
    expect(live.unsubscribe).toHaveBeenCalled();
    expect(live.destroy).toHaveBeenCalled();
  });
});
