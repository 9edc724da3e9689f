/**
 * Rebuild throughput of the customer projection: simulator events are loaded into the event
 * store, then a fresh generation is projected from position zero into the read-model store on
 * the same database. Baseline measured in the same run: the pure projection over the same
 * events in memory (no I/O), so the ratio shows what storage costs.
 *
 *   npm run bench:rebuild                                       # PGlite, 1,000,000 events
 *   DATABASE_URL_TEST=postgres://... npm run bench:rebuild      # also the PostgreSQL server
 *   BENCH_EVENTS=200000 npm run bench:rebuild                   # smaller
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initialCustomerState, projectCustomer } from '../projections';
import { RETAIL_BANK_POLICY_V1 } from '../src/domain/retail-bank-policy';
import { upcast } from '../src/domain/touchpoints';
import { customerStreamId, EventToAppend } from '../src/event-store/event-store.port';
import { PostgresEventStore } from '../src/event-store/postgres-event-store';
import { CustomerProjectionRunner } from '../src/projection-engine/customer-projection-runner';
import { PgSqlClient } from '../src/postgres/pg-sql-client';
import { PgliteSqlClient } from '../src/postgres/pglite-sql-client';
import { SqlClient } from '../src/postgres/sql-client';
import { PostgresReadModelStore } from '../src/read-models/postgres-read-model-store';
import { SimulatedTouchpoint, simulateTouchpoints } from '../src/simulator';

const TARGET_EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const EVENTS_PER_CUSTOMER_ESTIMATE = 85; // seed 1, 3 years: 846,379 events for 10,000 customers
const SEED = 1;

function* simulatorEvents(): Generator<SimulatedTouchpoint> {
  const customers = Math.ceil(TARGET_EVENTS / EVENTS_PER_CUSTOMER_ESTIMATE);
  let count = 0;
  for (const touchpoint of simulateTouchpoints({ customers, seed: SEED })) {
    if (count++ >= TARGET_EVENTS) return;
    yield touchpoint;
  }
}

const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

/**
 * The baseline: the same events folded by the pure projection in memory, no storage. The
 * simulator's own time is measured alone and taken out, so this is projection work only.
 */
function pureProjection(): { events: number; perSecond: number } {
  let started = process.hrtime.bigint();
  let events = 0;
  for (const touchpoint of simulatorEvents()) if (touchpoint) events++;
  const simulationSeconds = seconds(started);
  const states = new Map<string, ReturnType<typeof initialCustomerState>>();
  started = process.hrtime.bigint();
  for (const touchpoint of simulatorEvents()) {
    const state = states.get(touchpoint.customerId) ?? initialCustomerState(touchpoint.customerId);
    states.set(
      touchpoint.customerId,
      projectCustomer(state, upcast(touchpoint), RETAIL_BANK_POLICY_V1),
    );
  }
  return { events, perSecond: events / (seconds(started) - simulationSeconds) };
}

async function load(store: PostgresEventStore): Promise<number> {
  const pending = new Map<string, EventToAppend[]>();
  const revisions = new Map<string, number>();
  let loaded = 0;
  const flush = async (customerId: string) => {
    const events = pending.get(customerId);
    if (!events || events.length === 0) return;
    pending.delete(customerId);
    const revision = revisions.get(customerId);
    const result = await store.appendToStream(
      customerStreamId(customerId),
      events,
      revision ?? 'no_stream',
    );
    revisions.set(customerId, result.streamRevision);
    loaded += events.length;
  };
  for (const { customerId, metadata, ...event } of simulatorEvents()) {
    const events = pending.get(customerId) ?? [];
    events.push({ ...event, metadata });
    pending.set(customerId, events);
    if (events.length >= 100) await flush(customerId);
  }
  for (const customerId of [...pending.keys()]) await flush(customerId);
  return loaded;
}

async function measure(name: string, sql: SqlClient, baseline: number): Promise<void> {
  const events = await PostgresEventStore.create(sql);
  const readModels = await PostgresReadModelStore.create(sql);
  let started = process.hrtime.bigint();
  const loaded = await load(events);
  const loadSeconds = seconds(started);
  const runner = new CustomerProjectionRunner(
    events,
    readModels,
    RETAIL_BANK_POLICY_V1,
    Date.now() % 1_000_000,
  );
  await runner.start();
  await runner.stop(); // catch up by hand, without the idle loop
  started = process.hrtime.bigint();
  await runner.catchUp();
  const rebuildSeconds = seconds(started);
  const perSecond = loaded / rebuildSeconds;
  console.log(
    `${name.padEnd(18)} loaded ${loaded.toLocaleString('en')} events in ${loadSeconds.toFixed(1)} s ` +
      `(${Math.round(loaded / loadSeconds).toLocaleString('en')}/s); rebuild ${rebuildSeconds.toFixed(1)} s = ` +
      `${Math.round(perSecond).toLocaleString('en')} events/s (${((perSecond / baseline) * 100).toFixed(1)}% of pure projection)`,
  );
}

async function main(): Promise<void> {
  console.log(
    `${TARGET_EVENTS.toLocaleString('en')} simulator events (seed ${SEED}), node ${process.version}`,
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
