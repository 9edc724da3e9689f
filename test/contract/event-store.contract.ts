import { randomUUID } from 'node:crypto';
import {
  EventStore,
  eventToAppend,
  RecordedEvent,
  WrongExpectedRevisionError,
} from '../../src/event-store/event-store.port';
import { chainHash, GENESIS_HASH } from '../../src/event-store/hash-chain';
import { anEvent, collect, events, uniqueStream } from '../support/events';

/**
 * The one contract every event-store adapter passes. `open` gives a store over a fresh or
 * shared backend; tests use unique stream names, so they never depend on an empty store.
 */
export function eventStoreContract(open: () => Promise<EventStore>): void {
  let store: EventStore;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(async () => {
    await store.close();
  });

  describe('appendToStream', () => {
    it('numbers a new stream from revision 0 and reads it back field for field', async () => {
      const stream = uniqueStream();
      const batch = events(3);
      const result = await store.appendToStream(stream, batch, 'no_stream');

      expect(result.streamRevision).toBe(2);
      expect(result.outcomes.map((outcome) => [outcome.status, outcome.revision])).toEqual([
        ['appended', 0],
        ['appended', 1],
        ['appended', 2],
      ]);
      const read = await store.readStream(stream);
      expect(read.map(eventToAppend)).toEqual(batch);
      expect(read.map((event) => event.revision)).toEqual([0, 1, 2]);
      expect(read.every((event) => event.streamId === stream)).toBe(true);
      expect(read.map((event) => event.position)).toEqual(
        result.outcomes.map((outcome) =>
          outcome.status === 'appended' ? outcome.position : undefined,
        ),
      );
      expect(result.lastPosition).toBe(read[2].position);
      for (const event of read) expect(Date.parse(event.recordedAt)).not.toBeNaN();
    });

    it('keeps occurredAt, nested data and big integer strings exactly', async () => {
      const stream = uniqueStream();
      const event = anEvent({
        occurredAt: '1999-12-31T23:59:59.999Z',
        data: {
          nested: { list: [1, 'two', null, { deep: true }] },
          amountMinor: '-90071992547409931234',
        },
      });
      await store.appendToStream(stream, [event], 'any');
      const [read] = await store.readStream(stream);
      expect(read.occurredAt).toBe('1999-12-31T23:59:59.999Z');
      expect(read.data).toEqual(event.data);
    });

    it('refuses no_stream when the stream exists, and stores nothing of that batch', async () => {
      const stream = uniqueStream();
      await store.appendToStream(stream, events(1), 'no_stream');
      await expect(store.appendToStream(stream, events(2), 'no_stream')).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      expect(await store.readStream(stream)).toHaveLength(1);
    });

    it('appends at the exact expected revision and refuses a stale one with the actual revision', async () => {
      const stream = uniqueStream();
      await store.appendToStream(stream, events(2), 'no_stream');
      await store.appendToStream(stream, events(1), 1);
      const error = await store
        .appendToStream(stream, events(1), 1)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      expect(error).toMatchObject({ streamId: stream, expected: 1, actual: 2 });
      expect(await store.readStream(stream)).toHaveLength(3);
    });

    it('refuses an exact revision on a stream that does not exist', async () => {
      const error = await store
        .appendToStream(uniqueStream(), events(1), 0)
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ expected: 0, actual: 'no_stream' });
    });

    it('appends with any whatever the revision', async () => {
      const stream = uniqueStream();
      await store.appendToStream(stream, events(1), 'any');
      const result = await store.appendToStream(stream, events(1), 'any');
      expect(result.streamRevision).toBe(1);
    });

    it('reports an event id the stream already holds as duplicate and does not store it again', async () => {
      const stream = uniqueStream();
      const [first, second] = events(2);
      await store.appendToStream(stream, [first, second], 'no_stream');

      // A retried request: same ids, stale expectation. Idempotent, not a conflict.
      const retry = await store.appendToStream(stream, [first, second], 'no_stream');
      expect(retry.outcomes.map((outcome) => [outcome.status, outcome.revision])).toEqual([
        ['duplicate', 0],
        ['duplicate', 1],
      ]);
      expect(retry.lastPosition).toBeUndefined();
      expect(retry.streamRevision).toBe(1);
      expect(await store.readStream(stream)).toHaveLength(2);
    });

    it('appends the new events of a batch that mixes duplicates and new ones', async () => {
      const stream = uniqueStream();
      const [old] = events(1);
      await store.appendToStream(stream, [old], 'no_stream');
      const fresh = anEvent();
      const result = await store.appendToStream(stream, [old, fresh], 0);
      expect(result.outcomes.map((outcome) => outcome.status)).toEqual(['duplicate', 'appended']);
      expect((await store.readStream(stream)).map((event) => event.eventId)).toEqual([
        old.eventId,
        fresh.eventId,
      ]);
    });

    it('treats a repeated id inside one batch as a duplicate of its first occurrence', async () => {
      const stream = uniqueStream();
      const event = anEvent();
      const result = await store.appendToStream(stream, [event, { ...event }], 'no_stream');
      expect(result.outcomes.map((outcome) => [outcome.status, outcome.revision])).toEqual([
        ['appended', 0],
        ['duplicate', 0],
      ]);
      expect(await store.readStream(stream)).toHaveLength(1);
    });

    it('refuses an id the stream holds with other content as reused, and leaves the stored event untouched', async () => {
      const stream = uniqueStream();
      const event = anEvent();
      await store.appendToStream(stream, [event], 'no_stream');
      const variants = [
        { ...event, data: { ...event.data, extra: 'changed' } },
        { ...event, type: `${event.type}Other` },
        { ...event, version: event.version + 1 },
        { ...event, occurredAt: '2020-01-01T00:00:00.000Z' },
      ];
      for (const variant of variants) {
        const result = await store.appendToStream(stream, [variant], 'any');
        expect(result.outcomes).toEqual([
          { eventId: event.eventId, status: 'reused', revision: 0 },
        ]);
      }
      const inBatch = await store.appendToStream(
        uniqueStream(),
        [event, { ...event, data: { other: true } }],
        'no_stream',
      );
      expect(inBatch.outcomes.map((outcome) => outcome.status)).toEqual(['appended', 'reused']);
      expect((await store.readStream(stream)).map(eventToAppend)).toEqual([event]);
    });

    it('counts the same content as a duplicate whatever the key order, instant spelling or metadata', async () => {
      const stream = uniqueStream();
      const event = { ...anEvent(), occurredAt: '2026-03-01T10:00:00.000Z' };
      await store.appendToStream(stream, [event], 'no_stream');
      const reordered = Object.fromEntries(Object.entries(event.data).reverse());
      const resent = {
        ...event,
        data: reordered,
        occurredAt: '2026-03-01T10:00:00Z',
        metadata: { correlationId: randomUUID() },
      };
      const result = await store.appendToStream(stream, [resent], 'any');
      expect(result.outcomes[0].status).toBe('duplicate');
    });

    it('matches event ids case-insensitively, as UUIDs', async () => {
      const stream = uniqueStream();
      const event = anEvent();
      await store.appendToStream(stream, [event], 'no_stream');
      const result = await store.appendToStream(
        stream,
        [{ ...event, eventId: event.eventId.toUpperCase() }],
        'any',
      );
      expect(result.outcomes[0].status).toBe('duplicate');
    });

    it('scopes event ids to their stream', async () => {
      const event = anEvent();
      await store.appendToStream(uniqueStream(), [event], 'no_stream');
      const other = await store.appendToStream(uniqueStream(), [event], 'no_stream');
      expect(other.outcomes[0].status).toBe('appended');
    });

    it('lets exactly one of many racing appends at the same revision win, all-or-nothing', async () => {
      const stream = uniqueStream();
      await store.appendToStream(stream, events(1), 'no_stream');
      const attempts = await Promise.allSettled(
        Array.from({ length: 8 }, () => store.appendToStream(stream, events(3), 0)),
      );
      expect(attempts.filter((attempt) => attempt.status === 'fulfilled')).toHaveLength(1);
      for (const attempt of attempts) {
        if (attempt.status === 'rejected')
          expect(attempt.reason).toBeInstanceOf(WrongExpectedRevisionError);
      }
      expect((await store.readStream(stream)).map((event) => event.revision)).toEqual([0, 1, 2, 3]);
    });

    it('creates a new stream once when many race with no_stream', async () => {
      const stream = uniqueStream();
      const attempts = await Promise.allSettled(
        Array.from({ length: 8 }, () => store.appendToStream(stream, events(2), 'no_stream')),
      );
      expect(attempts.filter((attempt) => attempt.status === 'fulfilled')).toHaveLength(1);
      expect(await store.readStream(stream)).toHaveLength(2);
    });
  });

  describe('hash chain', () => {
    it('links each event to the one before, from the genesis, across appends', async () => {
      const stream = uniqueStream();
      await store.appendToStream(stream, events(2), 'no_stream');
      await store.appendToStream(stream, events(1), 1);
      const read = await store.readStream(stream);
      let previous = GENESIS_HASH;
      for (const event of read) {
        expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
        expect(event.hash).toBe(chainHash(previous, event));
        previous = event.hash!;
      }
      // readAll carries the same links.
      const all = await store.readAll({ after: read[0].position - 1n, maxCount: 10_000 });
      expect(all.filter((event) => event.streamId === stream).map((event) => event.hash)).toEqual(
        read.map((event) => event.hash),
      );
    });

    it('covers the stream and revision: one event in two streams has two hashes', async () => {
      const event = anEvent();
      const [a, b] = [uniqueStream(), uniqueStream()];
      await store.appendToStream(a, [event], 'no_stream');
      await store.appendToStream(b, [event], 'no_stream');
      const [[inA], [inB]] = [await store.readStream(a), await store.readStream(b)];
      expect(inA.hash).not.toBe(inB.hash);
      expect(inA.hash).toBe(chainHash(GENESIS_HASH, inA));
    });

    it('leaves the chain alone on a duplicate', async () => {
      const stream = uniqueStream();
      const batch = events(2);
      await store.appendToStream(stream, batch, 'no_stream');
      const before = await store.readStream(stream);
      await store.appendToStream(stream, [batch[1]], 'any');
      await store.appendToStream(stream, events(1), 'any');
      const after = await store.readStream(stream);
      expect(after.slice(0, 2).map((event) => event.hash)).toEqual(
        before.map((event) => event.hash),
      );
      expect(after[2].hash).toBe(chainHash(before[1].hash!, after[2]));
    });
  });

  describe('readStream', () => {
    it('reads from a revision, bounded by maxCount, and nothing for an unknown stream', async () => {
      const stream = uniqueStream();
      await store.appendToStream(stream, events(5), 'no_stream');
      expect(
        (await store.readStream(stream, { fromRevision: 2 })).map((event) => event.revision),
      ).toEqual([2, 3, 4]);
      expect(
        (await store.readStream(stream, { fromRevision: 1, maxCount: 2 })).map((e) => e.revision),
      ).toEqual([1, 2]);
      expect(await store.readStream(uniqueStream())).toEqual([]);
    });
  });

  describe('readAll and headPosition', () => {
    it('reads every stream in strictly increasing global position, from a position, bounded', async () => {
      const before = await store.headPosition();
      const a = uniqueStream();
      const b = uniqueStream();
      await store.appendToStream(a, events(2), 'no_stream');
      await store.appendToStream(b, events(2), 'no_stream');
      await store.appendToStream(a, events(1), 1);

      const all = await store.readAll({ after: before });
      const ours = all.filter((event) => event.streamId === a || event.streamId === b);
      expect(ours.map((event) => [event.streamId, event.revision])).toEqual([
        [a, 0],
        [a, 1],
        [b, 0],
        [b, 1],
        [a, 2],
      ]);
      for (let i = 1; i < all.length; i++) expect(all[i].position > all[i - 1].position).toBe(true);
      expect(await store.headPosition()).toBe(all[all.length - 1].position);
      expect(await store.countEvents(before)).toBe(all.length);
      expect(await store.countEvents(ours[2].position)).toBe(all.length - all.indexOf(ours[2]) - 1);

      const page = await store.readAll({ after: ours[1].position, maxCount: 2 });
      expect(page).toHaveLength(2);
      expect(page[0].position > ours[1].position).toBe(true);
    });
  });

  describe('subscribeToAll', () => {
    it('catches up from a position, then delivers live appends, each once and in order', async () => {
      const start = await store.headPosition();
      const stream = uniqueStream();
      await store.appendToStream(stream, events(3), 'no_stream');
      const subscription = store.subscribeToAll({ after: start });
      const live = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        await store.appendToStream(stream, events(2), 2);
      })();
      const seen = await collect(
        subscription,
        (received) => received.filter((event) => event.streamId === stream).length >= 5,
      );
      await live;
      const ours = seen.filter((event) => event.streamId === stream);
      expect(ours.map((event) => event.revision)).toEqual([0, 1, 2, 3, 4]);
    });

    it('ends iteration when closed', async () => {
      const subscription = store.subscribeToAll({ after: await store.headPosition() });
      setTimeout(() => void subscription.close(), 50);
      const seen: RecordedEvent[] = [];
      for await (const event of subscription) seen.push(event);
      expect(Array.isArray(seen)).toBe(true);
    });

    it('never skips an event: 24 concurrent appenders, 3,000 events, each seen once in stream order', async () => {
      const start = await store.headPosition();
      const appenders = 24;
      const perAppender = 125;
      const streams = Array.from({ length: appenders }, () => uniqueStream());
      const expected = appenders * perAppender;
      const subscription = store.subscribeToAll({ after: start });
      const received = collect(
        subscription,
        (seen) => seen.filter((event) => streams.includes(event.streamId)).length >= expected,
        60_000,
      );
      // Each appender writes its stream in batches of 1 to 5, with optimistic concurrency.
      await Promise.all(
        streams.map(async (stream) => {
          let written = 0;
          while (written < perAppender) {
            const size = Math.min(1 + ((written * 7) % 5), perAppender - written);
            await store.appendToStream(
              stream,
              events(size),
              written === 0 ? 'no_stream' : written - 1,
            );
            written += size;
          }
        }),
      );
      const seen = (await received).filter((event) => streams.includes(event.streamId));

      expect(seen).toHaveLength(expected);
      expect(new Set(seen.map((event) => `${event.streamId}/${event.eventId}`)).size).toBe(
        expected,
      );
      for (let i = 1; i < seen.length; i++)
        expect(seen[i].position > seen[i - 1].position).toBe(true);
      const nextRevision = new Map<string, number>();
      for (const event of seen) {
        expect(event.revision).toBe(nextRevision.get(event.streamId) ?? 0);
        nextRevision.set(event.streamId, event.revision + 1);
      }
    }, 90_000);
  });

  it('gives each stream its own ids: a random id is never reported as duplicate', async () => {
    const result = await store.appendToStream(
      uniqueStream(),
      [anEvent({ eventId: randomUUID() })],
      'any',
    );
    expect(result.outcomes[0].status).toBe('appended');
  });
}
