/**
 * Ingest throughput through the running service: simulator touchpoints POSTed in batches of 100
 * over HTTP (validation, decider, commands, optimistic appends), against a baseline measured in
 * the same run: the same batches appended straight to the event store, no HTTP, no validation,
 * no decider. Also the time until the projection has caught up with everything ingested, and the
 * same service with personal data stored as sent (sealing left out), interleaved, to measure
 * what encryption costs.
 *
 *   npm run bench:ingest                                      # PGlite
 *   DATABASE_URL_TEST=postgres://... npm run bench:ingest     # PGlite and a PostgreSQL server
 *
 * On a server every run gets a database of its own, created on it and dropped after.
 */
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../src/app.module';
import { SYSTEM_TOUCHPOINT_TYPES } from '../src/domain/touchpoints';
import { customerStreamId, eventToAppend } from '../src/event-store/event-store.port';
import { PostgresEventStore } from '../src/event-store/postgres-event-store';
import { configureApp } from '../src/http/configure-app';
import { PersonalDataVault } from '../src/privacy/personal-data-vault';
import { PgSqlClient } from '../src/postgres/pg-sql-client';
import { PgliteSqlClient } from '../src/postgres/pglite-sql-client';
import { SqlClient } from '../src/postgres/sql-client';
import { SimulatedTouchpoint, simulateTouchpoints } from '../src/simulator';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 500);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BATCH = 100;
/** Lanes of customers sent side by side (one request in flight per lane). */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

/**
 * Touchpoints as a bank's systems send them: in time order, each customer's in one of
 * `CONCURRENCY` lanes (as Kafka partitions would keep them), each lane in batches of 100.
 * Lanes run side by side; within a lane a batch is sent once the one before it was answered,
 * so a customer's touchpoints arrive in order (the decider refuses, say, an account opened
 * before the customer exists).
 */
function lanes(): SimulatedTouchpoint[][][] {
  const byLane: SimulatedTouchpoint[][] = Array.from({ length: CONCURRENCY }, () => []);
  const laneOf = new Map<string, number>();
  for (const touchpoint of simulateTouchpoints({ customers: CUSTOMERS, seed: 7 })) {
    if (SYSTEM_TOUCHPOINT_TYPES.includes(touchpoint.type)) continue;
    if (!laneOf.has(touchpoint.customerId))
      laneOf.set(touchpoint.customerId, laneOf.size % CONCURRENCY);
    byLane[laneOf.get(touchpoint.customerId)!].push(touchpoint);
  }
  return byLane.map((touchpoints) =>
    Array.from({ length: Math.ceil(touchpoints.length / BATCH) }, (_, i) =>
      touchpoints.slice(i * BATCH, (i + 1) * BATCH),
    ),
  );
}

const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Sends each lane's batches in order, all lanes at once. */
async function inLanes(
  work: SimulatedTouchpoint[][][],
  send: (batch: SimulatedTouchpoint[]) => Promise<void>,
): Promise<void> {
  await Promise.all(
    work.map(async (lane) => {
      for (const batch of lane) await send(batch);
    }),
  );
}

const eventCount = (work: SimulatedTouchpoint[][][]) =>
  work.reduce((sum, lane) => sum + lane.reduce((n, batch) => n + batch.length, 0), 0);

/** Where a run stores its events: a fresh PGlite folder, or a fresh database on the server. */
interface Backend {
  readonly name: string;
  fresh(): Promise<{
    environment: Record<string, string>;
    sql(): Promise<SqlClient>;
    drop(): Promise<void>;
  }>;
}

const pglite: Backend = {
  name: 'PGlite',
  async fresh() {
    const folder = mkdtempSync(join(tmpdir(), 'cle-bench-ingest-'));
    return {
      environment: { DATA_DIR: folder },
      sql: () => PgliteSqlClient.open(join(folder, 'baseline')),
      drop: async () => rmSync(folder, { recursive: true, force: true }),
    };
  },
};

function server(url: string): Backend {
  const admin = (statement: string) => PgSqlClient.runAlone(url, statement);
  return {
    name: 'PostgreSQL server',
    async fresh() {
      const name = `cle_bench_ingest_${process.hrtime.bigint()}`;
      await admin(`CREATE DATABASE ${name}`);
      const database = new URL(url);
      database.pathname = `/${name}`;
      return {
        // Servers need the one master key every instance shares (a bench-only key).
        environment: {
          DATABASE_URL: database.toString(),
          PII_MASTER_KEYS: `bench:${Buffer.alloc(32, 1).toString('base64')}`,
          // PKCS#8 DER of a fixed Ed25519 seed: checkpoints are signed on servers too.
          AUDIT_SIGNING_KEY: Buffer.concat([
            Buffer.from('302e020100300506032b657004220420', 'hex'),
            Buffer.alloc(32, 1),
          ]).toString('base64'),
        },
        sql: () => PgSqlClient.connect(database.toString(), CONCURRENCY * 2 + 2),
        drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      };
    },
  };
}

/** Baseline: each batch's touchpoints appended straight to the store, per customer. */
async function storeOnly(backend: Backend, work: SimulatedTouchpoint[][][]): Promise<number> {
  const target = await backend.fresh();
  const store = await PostgresEventStore.create(await target.sql());
  try {
    const started = process.hrtime.bigint();
    await inLanes(work, async (batch) => {
      const byCustomer = new Map<string, SimulatedTouchpoint[]>();
      for (const touchpoint of batch) {
        byCustomer.set(touchpoint.customerId, [
          ...(byCustomer.get(touchpoint.customerId) ?? []),
          touchpoint,
        ]);
      }
      await Promise.all(
        [...byCustomer].map(([customerId, touchpoints]) =>
          store.appendToStream(customerStreamId(customerId), touchpoints.map(eventToAppend), 'any'),
        ),
      );
    });
    return eventCount(work) / seconds(started);
  } finally {
    await store.close();
    await target.drop();
  }
}

/**
 * The vault with sealing left out: what ingest cost before personal data was encrypted, for the
 * comparison in the same run. Only the benchmark ever builds a service without it.
 */
const UNSEALED_VAULT: Pick<PersonalDataVault, 'seal' | 'shred'> = {
  seal: async (_customerId, events) => [...events],
  shred: async () => undefined,
};

async function startService(
  environment: Record<string, string>,
  sealing = true,
): Promise<INestApplication> {
  const module = Test.createTestingModule({
    imports: [
      AppModule.forEnvironment({
        ...environment,
        LOG_LEVEL: 'silent',
        API_DOCS: 'false',
        // No threshold events appended mid-run: only what is POSTed is stored.
        SCHEDULER_INTERVAL_MS: '86400000',
      }),
    ],
  });
  if (!sealing) module.overrideProvider(PersonalDataVault).useValue(UNSEALED_VAULT);
  const app = (await module.compile()).createNestApplication({ bodyParser: false, logger: false });
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  return app;
}

/** POSTs every batch; then waits for the projection to reach the head. */
async function throughService(
  backend: Backend,
  work: SimulatedTouchpoint[][][],
  settings: Record<string, string> = {},
  sealing = true,
) {
  const target = await backend.fresh();
  const app = await startService({ ...target.environment, ...settings }, sealing);
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  try {
    const started = process.hrtime.bigint();
    await inLanes(work, async (batch) => {
      const response = await fetch(`${url}/v1/touchpoints`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ touchpoints: batch }),
      });
      const body = (await response.json()) as { appended?: number };
      if (response.status !== 200 || body.appended !== batch.length) {
        throw new Error(
          `a batch was answered ${response.status}: ${JSON.stringify(body).slice(0, 500)}`,
        );
      }
    });
    const ingested = seconds(started);
    for (;;) {
      const response = await fetch(`${url}/v1/admin/projections`);
      const { projections } = (await response.json()) as { projections: { lagEvents: number }[] };
      if (projections[0].lagEvents === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const events = eventCount(work);
    return { ingest: events / ingested, projected: events / seconds(started) };
  } finally {
    await app.close();
    await target.drop();
  }
}

const rate = (value: number) => `${Math.round(value).toLocaleString('en')} events/s`;

async function measure(backend: Backend, work: SimulatedTouchpoint[][][]): Promise<void> {
  const baseline: number[] = [];
  const ingest: number[] = [];
  const projected: number[] = [];
  const uncached: number[] = [];
  const unsealed: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    baseline.push(await storeOnly(backend, work));
    const service = await throughService(backend, work);
    ingest.push(service.ingest);
    projected.push(service.projected);
    // The same service with personal data stored as sent (before encryption), interleaved.
    unsealed.push((await throughService(backend, work, {}, false)).ingest);
    // The same service reading each customer's whole stream for every command.
    uncached.push((await throughService(backend, work, { DECIDER_CACHE_EVENTS: '0' })).ingest);
  }
  const runs = (values: number[]) => values.map((value) => Math.round(value)).join(' / ');
  const share = (values: number[]) =>
    `${((median(values) / median(baseline)) * 100).toFixed(0)}% of store only`;
  console.log(
    `${backend.name}:\n` +
      `  store only                 ${rate(median(baseline))} (${runs(baseline)})\n` +
      `  HTTP ingest                ${rate(median(ingest))} (${runs(ingest)}), ${share(ingest)}\n` +
      `  HTTP ingest, not encrypted ${rate(median(unsealed))} (${runs(unsealed)}), ${share(unsealed)}; ` +
      `encryption costs ${((1 - median(ingest) / median(unsealed)) * 100).toFixed(1)}%\n` +
      `  ingested and projected     ${rate(median(projected))} (${runs(projected)})\n` +
      `  HTTP ingest, no view cache ${rate(median(uncached))} (${runs(uncached)}), ${share(uncached)}`,
  );
}

async function main(): Promise<void> {
  const work = lanes();
  console.log(
    `${eventCount(work).toLocaleString('en')} simulator touchpoints (${CUSTOMERS} customers, seed 7) in batches of ${BATCH}, ` +
      `${CONCURRENCY} lanes of customers side by side, median of ${RUNS} runs, node ${process.version}`,
  );
  await measure(pglite, work);
  const url = process.env.DATABASE_URL_TEST;
  if (url) await measure(server(url), work);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
