/**
 * What-if throughput: simulator events are stored in the event store and projected into the read
 * models (untimed), then every customer is replayed under a candidate policy beside the bundled
 * one, as POST /v1/audit/what-if does (WhatIfJob over the read models' customer list), timed.
 * Reports events/s and memory: RSS before the what-if and its peak during it (sampled every
 * 50 ms), the peak JS heap, and the process's peak RSS over the whole run (loading included).
 *
 *   npm run build
 *   node --expose-gc dist/bench/what-if-throughput.js                  # 1,000,000 events, PGlite
 *   BENCH_EVENTS=200000 node --expose-gc dist/bench/what-if-throughput.js   # smaller
 *   node --expose-gc dist/bench/what-if-throughput.js 200000                # the same
 *   DATABASE_URL_TEST=postgres://... node --expose-gc dist/bench/what-if-throughput.js
 *                                                     # on the PostgreSQL server instead of PGlite
 * --expose-gc lets the bench collect garbage before it reads the RSS the what-if starts from.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import retailBankV1 from '../policy/retail-bank.v1.json';
import { parsePolicy } from '../projections';
import { RETAIL_BANK_POLICY_V1 } from '../src/domain/retail-bank-policy';
import { PostgresEventStore } from '../src/event-store/postgres-event-store';
import { PartitionRunner } from '../src/projection-engine/partition-runner';
import { customerViewDefinition } from '../src/views/customer/customer.view';
import { PgSqlClient } from '../src/postgres/pg-sql-client';
import { PgliteSqlClient } from '../src/postgres/pglite-sql-client';
import { SqlClient } from '../src/postgres/sql-client';
import { PostgresReadModelStore } from '../src/read-models/postgres-read-model-store';
import { ReadModelCustomerDirectory } from '../src/what-if/customer-directory';
import { DEFAULT_WHAT_IF_OPTIONS, WhatIfJob } from '../src/what-if/what-if-job';
import { PolicyTimeline } from '../src/policy-history/policy-timeline';
import { loadSimulatedEvents, SEED } from './simulated-history';

const EVENTS = Number(process.argv[2] ?? process.env.BENCH_EVENTS ?? 1_000_000);
const MB = 1024 * 1024;

/** Bands moved both ways, closures weighing more, at-risk from a lower churn score. */
function candidate() {
  const policy = structuredClone(retailBankV1);
  policy.policyVersion = 'bench-candidate';
  const [emergingAffluent, affluent] = policy.valueTier.bands;
  emergingAffluent.minAumMinor = '2000000';
  affluent.minAumMinor = '100000000';
  policy.churnRisk.atRiskScore = 45;
  policy.churnRisk.closures.pointsEach = 20;
  return parsePolicy(policy);
}
const CANDIDATE = candidate();

const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;
const thousands = (value: number) => Math.round(value).toLocaleString('en');

async function measure(name: string, sql: SqlClient): Promise<void> {
  const events = await PostgresEventStore.create(sql);
  const readModels = await PostgresReadModelStore.create(sql);
  let started = process.hrtime.bigint();
  const stored = await loadSimulatedEvents(events, EVENTS);
  console.log(`${name}: stored ${thousands(stored)} events in ${seconds(started).toFixed(1)} s`);
  const runner = new PartitionRunner(
    events,
    readModels,
    customerViewDefinition(PolicyTimeline.fixed(RETAIL_BANK_POLICY_V1)),
    1,
    { index: 0, count: 1 },
  );
  await runner.start();
  await runner.stop(); // catch up by hand, without the idle loop
  started = process.hrtime.bigint();
  await runner.catchUp();
  console.log(`${name}: projected the read models in ${seconds(started).toFixed(1)} s`);

  global.gc?.();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakHeap = Math.max(peakHeap, now.heapUsed);
  }, 50);
  const job = new WhatIfJob(
    'bench',
    events,
    new ReadModelCustomerDirectory(
      readModels,
      () => runner.physical('customers'),
      async () => true,
    ),
    RETAIL_BANK_POLICY_V1,
    CANDIDATE,
    DEFAULT_WHAT_IF_OPTIONS,
  );
  started = process.hrtime.bigint();
  await job.run();
  const elapsed = seconds(started);
  clearInterval(sampler);
  const status = job.status();
  if (status.state !== 'finished') throw new Error(`what-if ${status.state}: ${status.error}`);
  const summary = job.summary()!;
  console.log(
    `${name}: what-if over ${thousands(status.progress.eventsFolded)} events, ` +
      `${thousands(summary.customers)} customers in ${elapsed.toFixed(1)} s: ` +
      `${thousands(status.progress.eventsFolded / elapsed)} events/s`,
  );
  console.log(
    `${name}: memory: RSS ${(before.rss / MB).toFixed(0)} MiB before, peak ${(peakRss / MB).toFixed(0)} MiB ` +
      `during (+${((peakRss - before.rss) / MB).toFixed(0)}); JS heap ${(before.heapUsed / MB).toFixed(0)} MiB ` +
      `before, peak ${(peakHeap / MB).toFixed(0)} MiB during`,
  );
  console.log(
    `${name}: ${thousands(summary.affected)} customers affected (${summary.listed} listed): ` +
      `stage ${summary.stage.changed}, tier ${summary.tier.changed}, ` +
      `churn score ${summary.churnScore.increased + summary.churnScore.decreased}, ` +
      `coverage ${summary.coverage.changed}`,
  );
}

async function main(): Promise<void> {
  if (!Number.isInteger(EVENTS) || EVENTS < 1)
    throw new Error(`BENCH_EVENTS (or the first argument) must be a positive integer`);
  console.log(
    `what-if over ${thousands(EVENTS)} simulator events (seed ${SEED}), node ${process.version}, ` +
      `${RETAIL_BANK_POLICY_V1.policyVersion} beside ${CANDIDATE.policyVersion}`,
  );
  const url = process.env.DATABASE_URL_TEST;
  if (url) {
    const server = await PgSqlClient.connect(url, 4);
    await measure('PostgreSQL server', server);
    await server.close();
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'cle-bench-what-if-'));
    const pglite = await PgliteSqlClient.open(dir);
    await measure('PGlite (on disk)', pglite);
    await pglite.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `process peak RSS over the whole run (loading included): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
