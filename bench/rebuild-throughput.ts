/**
 * Rebuild throughput of the customer projection: simulator events are loaded into the event
 * store, then a fresh generation is projected from position zero into each chosen read-model
 * store. Baselines measured in the same run: the pure projection over the same events in memory
 * (no I/O), so the ratio shows what storage costs, and the PostgreSQL read models on the same
 * event store, so a MongoDB figure compares like with like.
 *
 *   npm run bench:rebuild                                       # PGlite, 1,000,000 events
 *   DATABASE_URL_TEST=postgres://... npm run bench:rebuild      # also the PostgreSQL server
 *   BENCH_EVENTS=200000 npm run bench:rebuild                   # smaller
 *   BENCH_READ_MODELS=postgres,mongodb MONGODB_URL_TEST=mongodb://127.0.0.1:57017/ \
 *     BENCH_RUNS=3 npm run bench:rebuild                        # MongoDB read models too, median of 3
 *
 * BENCH_READ_MODELS: `postgres` (default; the event store's own database) and/or `mongodb` (a
 * fresh database on the server at MONGODB_URL_TEST, dropped afterwards). BENCH_RUNS: rebuilds
 * per read-model store, taking turns, each into a new generation; the median is reported.
 */
import { MongoClient } from 'mongodb';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initialCustomerState, projectCustomer } from '../projections';
import { RETAIL_BANK_POLICY_V1 } from '../src/domain/retail-bank-policy';
import { upcast } from '../src/domain/touchpoints';
import { PostgresEventStore } from '../src/event-store/postgres-event-store';
import { PartitionRunner } from '../src/projection-engine/partition-runner';
import { customerViewDefinition } from '../src/views/customer/customer.view';
import { PgSqlClient } from '../src/postgres/pg-sql-client';
import { PgliteSqlClient } from '../src/postgres/pglite-sql-client';
import { SqlClient } from '../src/postgres/sql-client';
import { MongoReadModelStore } from '../src/read-models/mongo-read-model-store';
import { PostgresReadModelStore } from '../src/read-models/postgres-read-model-store';
import { ReadModelStore } from '../src/read-models/read-model-store.port';
import { loadSimulatedEvents, SEED, simulatorEvents } from './simulated-history';
import { PolicyTimeline } from '../src/policy-history/policy-timeline';

const TARGET_EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const READ_MODEL_KINDS = ['postgres', 'mongodb'] as const;
type ReadModelKind = (typeof READ_MODEL_KINDS)[number];

function chosenReadModels(): ReadModelKind[] {
  const chosen = (process.env.BENCH_READ_MODELS ?? 'postgres')
    .split(',')
    .map((kind) => kind.trim());
  for (const kind of chosen) {
    if (!READ_MODEL_KINDS.includes(kind as ReadModelKind)) {
      throw new Error(`BENCH_READ_MODELS: unknown read-model store ${kind} (postgres, mongodb)`);
    }
  }
  if (chosen.includes('mongodb') && !process.env.MONGODB_URL_TEST) {
    throw new Error(
      'BENCH_READ_MODELS=mongodb needs MONGODB_URL_TEST (scripts/servers/ferretdb.sh start)',
    );
  }
  return chosen as ReadModelKind[];
}

const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

/**
 * The baseline: the same events folded by the pure projection in memory, no storage. The
 * simulator's own time is measured alone and taken out, so this is projection work only.
 */
function pureProjection(): { events: number; perSecond: number } {
  let started = process.hrtime.bigint();
  let events = 0;
  for (const touchpoint of simulatorEvents(TARGET_EVENTS)) if (touchpoint) events++;
  const simulationSeconds = seconds(started);
  const states = new Map<string, ReturnType<typeof initialCustomerState>>();
  started = process.hrtime.bigint();
  for (const touchpoint of simulatorEvents(TARGET_EVENTS)) {
    const state = states.get(touchpoint.customerId) ?? initialCustomerState(touchpoint.customerId);
    states.set(
      touchpoint.customerId,
      projectCustomer(state, upcast(touchpoint), RETAIL_BANK_POLICY_V1),
    );
  }
  return { events, perSecond: events / (seconds(started) - simulationSeconds) };
}

interface OpenedReadModels {
  readonly store: ReadModelStore;
  close(): Promise<void>;
}

async function openReadModels(kind: ReadModelKind, sql: SqlClient): Promise<OpenedReadModels> {
  if (kind === 'postgres') {
    // The event store's client, closed by the caller.
    return { store: await PostgresReadModelStore.create(sql), close: async () => undefined };
  }
  const client = await MongoClient.connect(process.env.MONGODB_URL_TEST as string);
  const db = client.db(`cle_bench_${randomBytes(6).toString('hex')}`);
  return {
    store: await MongoReadModelStore.create(db),
    async close() {
      await db.dropDatabase();
      await client.close();
    },
  };
}

let nextGeneration = Date.now() % 1_000_000;

/** Projects every loaded event into a new generation; returns events per second. */
async function rebuild(events: PostgresEventStore, readModels: ReadModelStore, loaded: number) {
  const runner = new PartitionRunner(
    events,
    readModels,
    customerViewDefinition(PolicyTimeline.fixed(RETAIL_BANK_POLICY_V1)),
    nextGeneration++,
    { index: 0, count: 1 },
  );
  await runner.start();
  await runner.stop(); // catch up by hand, without the idle loop
  const started = process.hrtime.bigint();
  await runner.catchUp();
  const perSecond = loaded / seconds(started);
  // Untimed: keeps the database the next run writes to the same size.
  for (const collection of runner.collections.values()) {
    await readModels.dropCollection(collection);
  }
  return perSecond;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const perSecondText = (value: number) => Math.round(value).toLocaleString('en');

async function measure(name: string, sql: SqlClient, baseline: number): Promise<void> {
  const events = await PostgresEventStore.create(sql);
  const started = process.hrtime.bigint();
  const loaded = await loadSimulatedEvents(events, TARGET_EVENTS);
  const loadSeconds = seconds(started);
  console.log(
    `${name.padEnd(18)} loaded ${loaded.toLocaleString('en')} events in ${loadSeconds.toFixed(1)} s ` +
      `(${perSecondText(loaded / loadSeconds)}/s)`,
  );
  const stores: { kind: ReadModelKind; opened: OpenedReadModels; runs: number[] }[] = [];
  for (const kind of chosenReadModels()) {
    stores.push({ kind, opened: await openReadModels(kind, sql), runs: [] });
  }
  // Taking turns spreads the machine's noise over every store alike.
  for (let run = 0; run < RUNS; run++) {
    for (const { opened, runs } of stores) runs.push(await rebuild(events, opened.store, loaded));
  }
  for (const { opened } of stores) await opened.close();
  const postgres = stores.find((store) => store.kind === 'postgres');
  for (const { kind, runs } of stores) {
    const typical = median(runs);
    const versusPostgres =
      postgres && kind !== 'postgres'
        ? `; ${(typical / median(postgres.runs)).toFixed(2)}x postgres`
        : '';
    console.log(
      `  read models ${kind.padEnd(8)} rebuild ${perSecondText(typical)} events/s, median of ` +
        `${runs.map(perSecondText).join(' / ')} (${((typical / baseline) * 100).toFixed(1)}% of pure projection${versusPostgres})`,
    );
  }
}

async function main(): Promise<void> {
  console.log(
    `${TARGET_EVENTS.toLocaleString('en')} simulator events (seed ${SEED}), node ${process.version}, ` +
      `read models ${chosenReadModels().join(' + ')}, ${RUNS} run(s) each`,
  );
  const pure = pureProjection();
  console.log(
    `${'pure projection'.padEnd(18)} ${pure.events.toLocaleString('en')} events, ${Math.round(pure.perSecond).toLocaleString('en')} events/s (baseline: pure projection in memory)`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'cle-bench-rebuild-'));
  const pglite = await PgliteSqlClient.open(dir);
  await measure('PGlite (on disk)', pglite, pure.perSecond);
  await pglite.close();
  rmSync(dir, { recursive: true, force: true });
  const url = process.env.DATABASE_URL_TEST;
  if (url) {
    const server = await PgSqlClient.connect(url, 4);
    await measure('PostgreSQL server', server, pure.perSecond);
    await server.close();
  } else {
    console.log('PostgreSQL server: skipped (set DATABASE_URL_TEST)');
  }
}

void main();
