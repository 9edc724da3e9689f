import { InMemoryOutbox } from './in-memory-outbox';
import { InMemoryPublisher } from './in-memory-publisher';
import { OutboxRelay, OutboxRelayOptions } from './outbox-relay';
import { Publisher } from './publisher.port';
import { OutboundMessage, TOPICS } from '../outbox/outbound-message';

const sequence = (n: number) => String(n).padStart(21, '0');

/** Messages 1..count for customers round-robin, sequences 10, 20, 30 ... */
const messages = (count: number, from = 1): OutboundMessage[] =>
  Array.from({ length: count }, (_, i) => {
    const n = from + i;
    return {
      id: `event-${n}`,
      topic: TOPICS.touchpoints,
      customerId: `c-${n % 3}`,
      type: 'bank.crm.touchpoint.ChannelInteraction.v2',
      time: '2026-01-05T09:00:00.000Z',
      sequence: sequence(n * 10),
      data: { n },
    };
  });

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

const relayOf = (
  outbox: InMemoryOutbox,
  publisher: Publisher,
  options: Partial<OutboxRelayOptions> = {},
) =>
  new OutboxRelay(outbox, publisher, outbox, {
    batchSize: 3,
    intervalMs: 50,
    backoff: { initialMs: 10, maxMs: 40 },
    logger: silent,
    ...options,
  });

const ids = (list: readonly OutboundMessage[]) => list.map((message) => message.id);

describe('OutboxRelay', () => {
  afterEach(() => jest.useRealTimers());

  it('given 7 messages and batches of 3, when drained, then all are published in order and the checkpoint is the last', async () => {
    const outbox = new InMemoryOutbox();
    outbox.append(...messages(7));
    const publisher = new InMemoryPublisher();
    const batches: number[] = [];
    const spy = {
      publish: (batch: readonly OutboundMessage[]) => {
        batches.push(batch.length);
        return publisher.publish(batch);
      },
      close: () => publisher.close(),
    };
    const relay = relayOf(outbox, spy);

    await relay.drain();

    expect(ids(publisher.messages)).toEqual(ids(messages(7)));
    expect(batches).toEqual([3, 3, 1]);
    expect(await outbox.load()).toBe(sequence(70));
    expect(relay.status()).toMatchObject({
      running: false,
      lastSequence: sequence(70),
      relayed: 7,
      consecutiveFailures: 0,
    });
  });

  it('given a stored checkpoint, when relaying, then it starts after it', async () => {
    const outbox = new InMemoryOutbox();
    outbox.append(...messages(5));
    await outbox.save(sequence(30));
    const publisher = new InMemoryPublisher();

    await relayOf(outbox, publisher).drain();

    expect(ids(publisher.messages)).toEqual(['event-4', 'event-5']);
  });

  it('given nothing new, when relaying once, then nothing is published and the checkpoint stays', async () => {
    const outbox = new InMemoryOutbox();
    outbox.append(...messages(2));
    await outbox.save(sequence(20));
    const publisher = new InMemoryPublisher();
    const relay = relayOf(outbox, publisher);

    await expect(relay.relayOnce()).resolves.toBe(0);

    expect(publisher.messages).toHaveLength(0);
    expect(relay.status().lastSequence).toBe(sequence(20));
  });

  it('given a publisher failure, when relaying once, then it rejects and the checkpoint does not move', async () => {
    const outbox = new InMemoryOutbox();
    outbox.append(...messages(4));
    const publisher = new InMemoryPublisher();
    publisher.failNext(1, { error: new Error('broker unreachable') });
    const relay = relayOf(outbox, publisher);

    await expect(relay.relayOnce()).rejects.toThrow('broker unreachable');

    expect(await outbox.load()).toBeUndefined();
    expect(relay.status()).toMatchObject({
      relayed: 0,
      consecutiveFailures: 1,
      lastError: { message: 'broker unreachable' },
    });
    await expect(relay.relayOnce()).resolves.toBe(3);
    expect(ids(publisher.messages)).toEqual(['event-1', 'event-2', 'event-3']);
    expect(relay.status().consecutiveFailures).toBe(0);
  });

  it('given a publisher that fails 4 times, when running, then it retries the same batch with doubling pauses up to the cap, and loses nothing', async () => {
    jest.useFakeTimers();
    const outbox = new InMemoryOutbox();
    outbox.append(...messages(5));
    const publisher = new InMemoryPublisher();
    publisher.failNext(4);
    const attempts: { at: number; first: string }[] = [];
    const timed: Publisher = {
      publish: (batch) => {
        attempts.push({ at: Date.now(), first: batch[0].id });
        return publisher.publish(batch);
      },
      close: () => publisher.close(),
    };
    const relay = relayOf(outbox, timed);

    relay.start();
    await jest.advanceTimersByTimeAsync(10 + 20 + 40 + 40);
    await jest.advanceTimersByTimeAsync(100);
    await relay.stop();

    const pauses = attempts.slice(1, 5).map((attempt, i) => attempt.at - attempts[i].at);
    expect(pauses).toEqual([10, 20, 40, 40]);
    expect(attempts.slice(0, 5).map((attempt) => attempt.first)).toEqual(Array(5).fill('event-1'));
    expect(ids(publisher.messages)).toEqual(ids(messages(5)));
    expect(await outbox.load()).toBe(sequence(50));
    expect(relay.status()).toMatchObject({ relayed: 5, consecutiveFailures: 0 });
  });

  it('given the outbox grows while a batch is failing, then the retry sends exactly the failed batch', async () => {
    const outbox = new InMemoryOutbox();
    outbox.append(...messages(2));
    const publisher = new InMemoryPublisher();
    const sent: string[][] = [];
    const recording: Publisher = {
      publish: (batch) => {
        sent.push(ids(batch));
        return publisher.publish(batch);
      },
      close: () => publisher.close(),
    };
    publisher.failNext(1);
    const relay = relayOf(outbox, recording);

    await expect(relay.relayOnce()).rejects.toThrow();
    outbox.append(...messages(3, 3));
    await relay.drain();

    expect(sent).toEqual([
      ['event-1', 'event-2'],
      ['event-1', 'event-2'],
      ['event-3', 'event-4', 'event-5'],
    ]);
    expect(ids(publisher.messages)).toEqual(ids(messages(5)));
  });

  it('given a batch the publisher delivered in part before failing, then the retry sends it whole: duplicates, never gaps or reordering', async () => {
    const outbox = new InMemoryOutbox();
    outbox.append(...messages(6));
    const publisher = new InMemoryPublisher();
    publisher.failNext(1, { afterDelivering: 2 });

    await relayOf(outbox, publisher).drain();

    expect(ids(publisher.messages)).toEqual(['event-1', 'event-2', ...ids(messages(6))]);
    const firstSeen = [...new Set(ids(publisher.messages))];
    expect(firstSeen).toEqual(ids(messages(6)));
  });

  it('given the checkpoint cannot be saved, then the published batch is published again (at least once)', async () => {
    const outbox = new InMemoryOutbox();
    outbox.append(...messages(2));
    const publisher = new InMemoryPublisher();
    let saveFailures = 1;
    const checkpoints = {
      load: () => outbox.load(),
      save: async (value: string) => {
        if (saveFailures-- > 0) throw new Error('store unavailable');
        await outbox.save(value);
      },
    };
    const relay = new OutboxRelay(outbox, publisher, checkpoints, {
      batchSize: 10,
      intervalMs: 10,
      backoff: { initialMs: 1, maxMs: 1 },
      logger: silent,
    });

    await relay.drain();

    expect(ids(publisher.messages)).toEqual(['event-1', 'event-2', 'event-1', 'event-2']);
    expect(await outbox.load()).toBe(sequence(20));
  });

  it('given an outbox that grows, when running, then it waits intervalMs when idle and relays what arrives later', async () => {
    jest.useFakeTimers();
    const outbox = new InMemoryOutbox();
    const publisher = new InMemoryPublisher();
    let reads = 0;
    const counting = {
      readAfter: (after: string | undefined, limit: number) => {
        reads++;
        return outbox.readAfter(after, limit);
      },
    };
    const relay = new OutboxRelay(counting, publisher, outbox, {
      batchSize: 3,
      intervalMs: 50,
      logger: silent,
    });

    relay.start();
    await jest.advanceTimersByTimeAsync(120);
    expect(reads).toBe(3); // at 0, 50 and 100 ms

    outbox.append(...messages(4));
    await jest.advanceTimersByTimeAsync(50);
    expect(ids(publisher.messages)).toEqual(ids(messages(4)));
    expect(relay.status().running).toBe(true);
    await relay.stop();
    expect(relay.status().running).toBe(false);
  });

  it('when stopped during a publish, then stop waits for that batch to be acknowledged and checkpointed, and reads no more', async () => {
    const outbox = new InMemoryOutbox();
    outbox.append(...messages(6));
    const publisher = new InMemoryPublisher();
    let acknowledge!: () => void;
    let started!: () => void;
    const publishing = new Promise<void>((resolve) => (started = resolve));
    const slow: Publisher = {
      publish: async (batch) => {
        started();
        await new Promise<void>((resolve) => (acknowledge = resolve));
        await publisher.publish(batch);
      },
      close: () => publisher.close(),
    };
    const relay = relayOf(outbox, slow);

    relay.start();
    await publishing;
    let stopped = false;
    const stopping = relay.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);

    acknowledge();
    await stopping;

    expect(ids(publisher.messages)).toEqual(['event-1', 'event-2', 'event-3']);
    expect(await outbox.load()).toBe(sequence(30));
  });

  it('when stopped while backing off, then it stops at once without another attempt', async () => {
    const outbox = new InMemoryOutbox();
    outbox.append(...messages(1));
    const publisher = new InMemoryPublisher();
    publisher.failNext(100);
    let attempts = 0;
    const counting: Publisher = {
      publish: (batch) => {
        attempts++;
        return publisher.publish(batch);
      },
      close: () => publisher.close(),
    };
    const relay = relayOf(outbox, counting, { backoff: { initialMs: 60_000, maxMs: 60_000 } });

    relay.start();
    while (attempts === 0) await new Promise((resolve) => setImmediate(resolve));
    const before = Date.now();
    await relay.stop();

    expect(Date.now() - before).toBeLessThan(1_000);
    expect(attempts).toBe(1);
    expect(relay.status()).toMatchObject({ consecutiveFailures: 1, relayed: 0 });
  });
});
