/**
 * Append throughput of the PostgreSQL event store on PGlite and on a PostgreSQL server:
 * events/s for single-event appends and for batches of 100, median of several runs. Each
 * backend runs twice over, interleaved: with the hash chain (as the service runs) and without
 * (hashChain: false, the baseline for what the chain costs).
 *
 *   npm run bench:append                                  # PGlite only
 *   DATABASE_URL_TEST=postgres://... npm run bench:append # PGlite and the server
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { touchpoint } from '../projections/testing/touchpoints';
import { EventToAppend } from '../src/event-store/event-store.port';
import { PostgresEventStore } from '../src/event-store/postgres-event-store';
import { PgSqlClient } from '../src/postgres/pg-sql-client';
import { PgliteSqlClient } from '../src/postgres/pglite-sql-client';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const EVENTS_PER_RUN = Number(process.env.BENCH_EVENTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

const balanceReported = (): EventToAppend => ({
  ...touchpoint(
    'BalanceReported',
    new Date().toISOString(),
    { accountId: 'ACC-1', balanceMinor: '1234500', currency: 'CNY' },
    1,
    randomUUID(),
  ),
  metadata: { sourceSystem: 'bench' },
});

async function run(store: PostgresEventStore, batchSize: number): Promise<number> {
  const appends = Math.ceil(EVENTS_PER_RUN / batchSize);
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      const stream = `customer-bench-${randomUUID()}`;
      let revision = -1;
      while (next++ < appends) {
        const batch = Array.from({ length: batchSize }, balanceReported);
        await store.appendToStream(stream, batch, revision < 0 ? 'no_stream' : revision);
        revision += batchSize;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return (appends * batchSize) / seconds;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Runs the stores in turn, round by round (machines are noisy), and prints each one's median. */
async function measure(stores: Record<string, PostgresEventStore>): Promise<void> {
  for (const batchSize of [1, 100]) {
    const rates = new Map<string, number[]>();
    for (const [name, store] of Object.entries(stores)) {
      await run(store, batchSize); // warm-up
      rates.set(name, []);
    }
    for (let i = 0; i < RUNS; i++) {
      for (const [name, store] of Object.entries(stores))
        rates.get(name)!.push(await run(store, batchSize));
    }
    for (const [name, runs] of rates) {
      console.log(
        `${name.padEnd(28)} batch ${String(batchSize).padStart(3)}: median ${Math.round(median(runs)).toLocaleString('en')} events/s ` +
          `(runs: ${runs.map((rate) => Math.round(rate)).join(', ')})`,
      );
    }
  }
}

async function main(): Promise<void> {
  console.log(
    `${RUNS} runs x ${EVENTS_PER_RUN} events, ${CONCURRENCY} concurrent appenders, node ${process.version}`,
  );
  // The embedded default fsyncs every commit; beside it, PGlite as shipped (no fsync at all).
  const dir = mkdtempSync(join(tmpdir(), 'cle-bench-'));
  const durableSql = await PgliteSqlClient.open(join(dir, 'fsync'));
  const durable = await PostgresEventStore.create(durableSql);
  const durableUnchained = await PostgresEventStore.create(durableSql, { hashChain: false });
  const volatileSql = await PgliteSqlClient.open(join(dir, 'no-fsync'), { durable: false });
  const volatile = await PostgresEventStore.create(volatileSql);
  const volatileUnchained = await PostgresEventStore.create(volatileSql, { hashChain: false });
  await measure({
    'PGlite, fsync (default)': durable,
    'PGlite, fsync, no chain': durableUnchained,
    'PGlite, no fsync (as shipped)': volatile,
    'PGlite, no fsync, no chain': volatileUnchained,
  });
  await durable.close();
  await volatile.close();
  rmSync(dir, { recursive: true, force: true });

  const url = process.env.DATABASE_URL_TEST;
  if (url) {
    const serverSql = await PgSqlClient.connect(url, CONCURRENCY + 2);
    const server = await PostgresEventStore.create(serverSql);
    const unchained = await PostgresEventStore.create(serverSql, { hashChain: false });
    await measure({ 'PostgreSQL server': server, 'PostgreSQL server, no chain': unchained });
    await server.close();
  } else {
    console.log('PostgreSQL server: skipped (set DATABASE_URL_TEST)');
  }
}

void main();
