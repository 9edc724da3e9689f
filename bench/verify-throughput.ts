/**
 * What the hash chain's verification costs: the simulator's history is appended to a fresh
 * event store (chained, as the service stores it), a signed checkpoint is recorded over all of
 * it, then the whole store is verified as `npm run verify` does (every stream's chain, the
 * checkpoints, every head against the checkpoint). Median of BENCH_RUNS verifications.
 *
 *   DATABASE_URL_TEST=postgres://... npm run bench:verify   # a fresh database on the server
 *   BENCH_BACKEND=pglite BENCH_EVENTS=200000 npm run bench:verify
 *
 * BENCH_EVENTS (default 1,000,000), BENCH_RUNS (default 3).
 */
import { ConfigService } from '@nestjs/config';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Environment } from '../src/config/environment';
import { PostgresEventStore } from '../src/event-store/postgres-event-store';
import { PgSqlClient } from '../src/postgres/pg-sql-client';
import { PgliteSqlClient } from '../src/postgres/pglite-sql-client';
import { StorageGuard } from '../src/postgres/storage-guard';
import { ProjectionEngine } from '../src/projection-engine/projection-engine.service';
import { CheckpointLedger } from '../src/tamper-evidence/checkpoint-ledger';
import { Checkpointer } from '../src/tamper-evidence/checkpointer';
import { parseSigningKey } from '../src/tamper-evidence/signing-key';
import { StoreVerification } from '../src/tamper-evidence/store-verification';
import { loadSimulatedEvents } from './simulated-history';

const TARGET_EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;
const rate = (count: number, elapsed: number) => Math.round(count / elapsed).toLocaleString('en');
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function openStore(): Promise<{
  store: PostgresEventStore;
  name: string;
  drop(): Promise<void>;
}> {
  const url = process.env.DATABASE_URL_TEST;
  if (process.env.BENCH_BACKEND !== 'pglite' && url) {
    const name = `cle_bench_${randomBytes(6).toString('hex')}`;
    await PgSqlClient.runAlone(url, `CREATE DATABASE ${name}`);
    const fresh = new URL(url);
    fresh.pathname = `/${name}`;
    const store = await PostgresEventStore.create(await PgSqlClient.connect(fresh.toString(), 4));
    return {
      store,
      name: 'PostgreSQL server',
      drop: async () => {
        await store.close();
        await PgSqlClient.runAlone(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'cle-bench-verify-'));
  const store = await PostgresEventStore.create(await PgliteSqlClient.open(dir));
  return {
    store,
    name: 'PGlite',
    drop: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  const { store, name, drop } = await openStore();
  try {
    const key = parseSigningKey(
      generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    );
    let started = process.hrtime.bigint();
    const loaded = await loadSimulatedEvents(store, TARGET_EVENTS);
    const loadSeconds = seconds(started);

    // The service's own checkpointer, outside Nest: only what runOnce uses is given.
    const settings: Record<string, number> = {
      AUDIT_CHECKPOINT_EVERY_EVENTS: 10_000_000,
      AUDIT_CHECKPOINT_INTERVAL_MS: 86_400_000,
    };
    const config = { get: (variable: string) => settings[variable] } as unknown as ConfigService<
      Environment,
      true
    >;
    const ledger = new CheckpointLedger(store, key);
    const checkpointer = new Checkpointer(
      store,
      ledger,
      key,
      {} as ProjectionEngine,
      {} as StorageGuard,
      config,
    );
    started = process.hrtime.bigint();
    await checkpointer.runOnce(true);
    const checkpointSeconds = seconds(started);

    const verification = new StoreVerification(store, key, checkpointer);
    const runs: number[] = [];
    let verified = 0;
    let peakRss = 0;
    for (let run = 0; run < RUNS; run++) {
      started = process.hrtime.bigint();
      const report = await verification.verifyAll();
      const elapsed = seconds(started);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      if (!report.passed)
        throw new Error(`verification failed: ${JSON.stringify(report.failures.slice(0, 3))}`);
      verified = report.events;
      runs.push(verified / elapsed);
    }
    console.log(
      `${name}: ${loaded.toLocaleString('en')} simulator events loaded in ${loadSeconds.toFixed(1)} s ` +
        `(${rate(loaded, loadSeconds)} events/s), node ${process.version}`,
    );
    console.log(
      `checkpoint over ${ledger.headsAtLatest().size.toLocaleString('en')} streams: ${checkpointSeconds.toFixed(1)} s`,
    );
    console.log(
      `verify ${verified.toLocaleString('en')} events: median ${Math.round(median(runs)).toLocaleString('en')} events/s ` +
        `(runs: ${runs.map((value) => Math.round(value).toLocaleString('en')).join(', ')}), ` +
        `peak RSS ${Math.round(peakRss / 2 ** 20)} MiB`,
    );
  } finally {
    await drop();
  }
}

void main();
