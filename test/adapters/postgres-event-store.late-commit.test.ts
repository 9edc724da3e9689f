import { PostgresEventStore } from '../../src/event-store/postgres-event-store';
import { PgSqlClient } from '../../src/postgres/pg-sql-client';
import { SqlClient, SqlQueryable } from '../../src/postgres/sql-client';
import { collect, events, uniqueStream } from '../support/events';
import { describeWithServer, POSTGRES } from '../support/servers';

/**
 * docs/architecture.md rule 5 on a real server, where transactions really do commit out of order: each
 * append's commit is held back after its rows are written, so events that got a lower position
 * commit after events with a higher one.
 */
class LateCommittingSqlClient implements SqlClient {
  readonly kind = 'postgres' as const;
  /** Off while the store migrates its schema, so only appends are held back. */
  armed = false;
  constructor(
    private readonly inner: SqlClient,
    private readonly beforeCommit: () => Promise<void>,
  ) {}
  query<R extends object>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    return this.inner.query<R>(sql, params);
  }
  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    return this.inner.transaction(async (tx) => {
      const result = await work(tx);
      if (this.armed) await this.beforeCommit();
      return result;
    });
  }
  exec(sql: string): Promise<void> {
    return this.inner.exec(sql);
  }
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>> {
    return this.inner.listen(channel, onNotify);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describeWithServer(
  POSTGRES,
  'PostgresEventStore on a server: late commits are never skipped',
  (url) => {
    let plain: PostgresEventStore;
    beforeAll(async () => {
      plain = await PostgresEventStore.create(await PgSqlClient.connect(url, 10));
    });
    afterAll(() => plain.close());

    it('hides an event while an older transaction is open, then delivers both in commit-safe order', async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const slowClient = new LateCommittingSqlClient(await PgSqlClient.connect(url, 2), () => gate);
      const slow = await PostgresEventStore.create(slowClient);
      slowClient.armed = true;
      try {
        const start = await plain.headPosition();
        const early = uniqueStream();
        const late = uniqueStream();
        const slowAppend = slow.appendToStream(early, events(1), 'no_stream');
        await sleep(100); // the slow append has written its row and waits to commit
        const fast = await plain.appendToStream(late, events(1), 'no_stream');

        const visibleMeanwhile = await plain.readAll({ after: start });
        expect(visibleMeanwhile.some((event) => event.streamId === late)).toBe(false);

        release();
        const slowResult = await slowAppend;
        expect(slowResult.lastPosition! < fast.lastPosition!).toBe(true);
        const visible = (await plain.readAll({ after: start })).filter(
          (event) => event.streamId === early || event.streamId === late,
        );
        expect(visible.map((event) => event.streamId)).toEqual([early, late]);
      } finally {
        release();
        await slow.close();
      }
    });

    it('24 appenders with random commit delays: a subscriber sees all 2,400 events once, in stream order', async () => {
      const client = new LateCommittingSqlClient(await PgSqlClient.connect(url, 30), () =>
        sleep(Math.random() * 15),
      );
      const store = await PostgresEventStore.create(client);
      client.armed = true;
      try {
        const streams = Array.from({ length: 24 }, () => uniqueStream());
        const expected = 24 * 100;
        const subscription = plain.subscribeToAll({ after: await plain.headPosition() });
        const received = collect(
          subscription,
          (seen) => seen.filter((event) => streams.includes(event.streamId)).length >= expected,
          60_000,
        );
        await Promise.all(
          streams.map(async (stream) => {
            for (let revision = -1; revision < 99; revision += 2) {
              await store.appendToStream(
                stream,
                events(2),
                revision === -1 ? 'no_stream' : revision,
              );
            }
          }),
        );
        const seen = (await received).filter((event) => streams.includes(event.streamId));
        expect(seen).toHaveLength(expected);
        expect(new Set(seen.map((event) => event.eventId)).size).toBe(expected);
        const next = new Map<string, number>();
        for (const event of seen) {
          expect(event.revision).toBe(next.get(event.streamId) ?? 0);
          next.set(event.streamId, event.revision + 1);
        }
      } finally {
        await store.close();
      }
    }, 90_000);
  },
);
