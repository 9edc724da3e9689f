/**
 * Rebuild of the customer view with P = 1, 2, 4 partitions, on the PostgreSQL server. Simulator
 * events are loaded once into a fresh database (dropped at the end); then, in interleaved rounds
 * (P = 1, 2, 4, then 4, 2, 1, ...), the view is rebuilt from position zero into a fresh
 * generation in two ways:
 *
 * - in-process: P PartitionRunners in this Node process, `Promise.all` of their catch-ups (what
 *   the view engine's rebuild does);
 * - multi-process: P child Node processes (this script, forked), each projecting one partition;
 *   the wall time runs from the go signal until the last child has caught up.
 *
 * Each partition reads the whole log in global order and keeps its own customers' events. Per run
 * it records the wall time, and CPU seconds per process kind: this Node process
 * (`process.cpuUsage()`), the children (their own `process.cpuUsage()`, sent back), PostgreSQL
 * (utime + stime from /proc of the backends of the bench's database and the server's background
 * processes, sampled during the run so none is missed) and the whole machine (/proc/stat).
 *
 *   DATABASE_URL_TEST=postgres://postgres@127.0.0.1:55432/cle_test npm run bench:rebuild-partitions
 *   BENCH_EVENTS=100000 BENCH_ROUNDS=1 ... npm run bench:rebuild-partitions     # a quick check
 *
 * DATABASE_URL_TEST only names the server: the bench creates `cle_bench_partitions_<time>` on it
 * and drops it afterwards. BENCH_EVENTS (default 1,000,000), BENCH_ROUNDS (default 3),
 * BENCH_PARTITIONS (default 1,2,4), BENCH_MODES (default in-process,multi-process).
 */
import { ChildProcess, fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { RETAIL_BANK_POLICY_V1 } from '../src/domain/retail-bank-policy';
import { PostgresEventStore } from '../src/event-store/postgres-event-store';
import { PartitionRunner } from '../src/projection-engine/partition-runner';
import { PolicyTimeline } from '../src/policy-history/policy-timeline';
import { PgSqlClient } from '../src/postgres/pg-sql-client';
import { PostgresReadModelStore } from '../src/read-models/postgres-read-model-store';
import { customerViewDefinition } from '../src/views/customer/customer.view';
import { loadSimulatedEvents, SEED } from './simulated-history';

const WORKER_FLAG = '--partition-worker';
const MONITOR_APP = 'bench-partitions-monitor';
const CLOCK_TICKS = 100; // USER_HZ on Linux: /proc/<pid>/stat counts in 1/100 s
const SAMPLE_MS = 200;

const definition = () => customerViewDefinition(PolicyTimeline.fixed(RETAIL_BANK_POLICY_V1));
const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;
const cpuSeconds = ({ user, system }: NodeJS.CpuUsage) => (user + system) / 1e6;

function urlFor(base: string, database: string, application: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  url.searchParams.set('application_name', application);
  return url.toString();
}

// ---------------------------------------------------------------- the child: one partition

interface WorkerJob {
  readonly url: string;
  readonly generation: number;
  readonly index: number;
  readonly count: number;
}

type ToWorker = { type: 'go' } | { type: 'exit' };
type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; seconds: number; cpu: NodeJS.CpuUsage }
  | { type: 'failed'; error: string };

async function worker(job: WorkerJob): Promise<void> {
  // The parent gone (killed, crashed): nothing left to report to.
  process.on('disconnect', () => process.exit(1));
  const send = (message: FromWorker) => process.send?.(message);
  const next = () => new Promise<ToWorker>((resolve) => process.once('message', resolve));
  try {
    const sql = await PgSqlClient.connect(job.url, 2);
    const events = await PostgresEventStore.create(sql);
    const readModels = await PostgresReadModelStore.create(sql);
    const runner = new PartitionRunner(events, readModels, definition(), job.generation, {
      index: job.index,
      count: job.count,
    });
    await runner.start();
    await runner.stop(); // catch up by hand, without the idle loop
    const go = next();
    send({ type: 'ready' });
    await go;
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    await runner.catchUp();
    const exit = next();
    send({ type: 'done', seconds: seconds(started), cpu: process.cpuUsage(cpu) });
    // Connections stay open until the parent has read the PostgreSQL backends' CPU.
    await exit;
    await sql.close();
    process.exit(0);
  } catch (error) {
    send({ type: 'failed', error: (error as Error).stack ?? String(error) });
    process.exit(1);
  }
}

// ---------------------------------------------------------------- CPU accounting

/** utime + stime in seconds of a process, or undefined when it is gone. */
function processCpu(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

function postgresPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') pids.push(+entry);
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Busy and total core-seconds of the whole machine so far (/proc/stat). */
function machineCpu(): { busy: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values.map(Number);
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: (total - idle - iowait) / CLOCK_TICKS, total: total / CLOCK_TICKS };
}

type PostgresKind = 'bench' | 'background' | 'other databases' | 'monitor';

/**
 * CPU of the server's processes over one run: every process named postgres is read at the start
 * and then every SAMPLE_MS, so a backend that exits during the run loses at most one interval
 * (the children's connections are read before they close). Each is classed by
 * pg_stat_activity: backends of the bench's database, background processes (checkpointer,
 * writers, launchers; the postmaster), backends of other databases (other people's load on the
 * shared server, reported apart), and the monitor's own connection.
 */
class PostgresCpuMeter {
  private readonly start = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private readonly kinds = new Map<number, PostgresKind>();
  private timer?: NodeJS.Timeout;
  private sampling?: Promise<void>;

  constructor(
    private readonly monitor: PgSqlClient,
    private readonly database: string,
  ) {}

  async begin(): Promise<void> {
    this.start.clear();
    this.last.clear();
    for (const pid of postgresPids()) {
      const cpu = processCpu(pid);
      if (cpu !== undefined) this.start.set(pid, cpu);
    }
    await this.sample();
    this.timer = setInterval(() => {
      this.sampling ??= this.sample().finally(() => (this.sampling = undefined));
    }, SAMPLE_MS);
  }

  /** CPU seconds per kind since begin(). */
  async end(): Promise<Record<PostgresKind, number>> {
    clearInterval(this.timer);
    await this.sampling;
    await this.sample();
    const totals: Record<PostgresKind, number> = {
      bench: 0,
      background: 0,
      'other databases': 0,
      monitor: 0,
    };
    for (const [pid, cpu] of this.last) {
      totals[this.kinds.get(pid) ?? 'background'] += cpu - (this.start.get(pid) ?? 0);
    }
    return totals;
  }

  private async sample(): Promise<void> {
    const rows = await this.monitor.query<{
      pid: number;
      datname: string | null;
      application_name: string | null;
    }>('SELECT pid, datname, application_name FROM pg_stat_activity');
    for (const { pid, datname, application_name } of rows) {
      this.kinds.set(
        pid,
        application_name === MONITOR_APP
          ? 'monitor'
          : datname === null
            ? 'background'
            : datname === this.database
              ? 'bench'
              : 'other databases',
      );
    }
    for (const pid of postgresPids()) {
      const cpu = processCpu(pid);
      if (cpu === undefined) continue;
      this.last.set(pid, cpu);
      // Started during the run: all of its time is the run's.
      if (!this.start.has(pid)) this.start.set(pid, 0);
    }
  }
}

// ---------------------------------------------------------------- the runs

type Mode = 'in-process' | 'multi-process';
const MODES: readonly Mode[] = ['in-process', 'multi-process'];

interface Run {
  readonly mode: Mode;
  readonly partitions: number;
  readonly round: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** CPU seconds. */
  readonly nodeMain: number;
  readonly children: readonly number[];
  readonly postgres: number;
  readonly postgresOther: number;
  readonly machineBusy: number;
}

interface Bench {
  readonly url: string;
  readonly database: string;
  readonly sql: PgSqlClient;
  readonly events: PostgresEventStore;
  readonly readModels: PostgresReadModelStore;
  readonly meter: PostgresCpuMeter;
  readonly loaded: number;
}

let nextGeneration = 1000 + (Date.now() % 1_000_000);
const liveChildren = new Set<ChildProcess>();

/** The P partition runners of a fresh generation, started and stopped (collections created). */
async function preparedRunners(bench: Bench, generation: number, count: number) {
  const runners: PartitionRunner[] = [];
  for (let index = 0; index < count; index++) {
    const runner = new PartitionRunner(bench.events, bench.readModels, definition(), generation, {
      index,
      count,
    });
    await runner.start();
    await runner.stop();
    runners.push(runner);
  }
  return runners;
}

async function measured(
  bench: Bench,
  work: () => Promise<readonly number[]>,
): Promise<Omit<Run, 'mode' | 'partitions' | 'round'>> {
  await bench.meter.begin();
  const machine = machineCpu();
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const childSeconds = await work();
  const wall = seconds(started);
  const nodeMain = cpuSeconds(process.cpuUsage(cpu));
  const machineBusy = machineCpu().busy - machine.busy;
  const postgres = await bench.meter.end();
  return {
    seconds: wall,
    eventsPerSecond: bench.loaded / wall,
    nodeMain,
    children: childSeconds,
    postgres: postgres.bench + postgres.background,
    postgresOther: postgres['other databases'],
    machineBusy,
  };
}

async function inProcess(bench: Bench, generation: number, count: number) {
  const runners = await preparedRunners(bench, generation, count);
  const result = await measured(bench, async () => {
    await Promise.all(runners.map((runner) => runner.catchUp()));
    return [];
  });
  return { result, runners };
}

function startWorker(job: WorkerJob): {
  child: ChildProcess;
  receive: () => Promise<FromWorker>;
  send: (message: ToWorker) => void;
} {
  const child = fork(__filename, [WORKER_FLAG, JSON.stringify(job)], { stdio: 'inherit' });
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  const inbox: FromWorker[] = [];
  const waiting: ((message: FromWorker) => void)[] = [];
  const deliver = (message: FromWorker) => {
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else inbox.push(message);
  };
  child.on('message', (message) => deliver(message as FromWorker));
  child.once('exit', (code) =>
    deliver({ type: 'failed', error: `partition ${job.index} exited with ${code}` }),
  );
  return {
    child,
    receive: () =>
      new Promise<FromWorker>((resolve) => {
        const message = inbox.shift();
        if (message) resolve(message);
        else waiting.push(resolve);
      }),
    send: (message) => child.send(message),
  };
}

async function expect(
  receive: () => Promise<FromWorker>,
  type: 'ready' | 'done',
): Promise<FromWorker> {
  const message = await receive();
  if (message.type === 'failed') throw new Error(`partition worker failed: ${message.error}`);
  if (message.type !== type) throw new Error(`partition worker sent ${message.type}, not ${type}`);
  return message;
}

async function multiProcess(bench: Bench, generation: number, count: number) {
  // Created here, untimed, so the children do not race to create them.
  const runners = await preparedRunners(bench, generation, count);
  const workers = runners.map((_, index) =>
    startWorker({
      url: urlFor(bench.url, bench.database, `bench-partitions-${index}/${count}`),
      generation,
      index,
      count,
    }),
  );
  try {
    // Node start-up, module loading and connecting: untimed.
    await Promise.all(workers.map((worker) => expect(worker.receive, 'ready')));
    const result = await measured(bench, async () => {
      for (const worker of workers) worker.send({ type: 'go' });
      const done = await Promise.all(workers.map((worker) => expect(worker.receive, 'done')));
      return done.map((message) => (message.type === 'done' ? cpuSeconds(message.cpu) : 0));
    });
    for (const worker of workers) worker.send({ type: 'exit' });
    await Promise.all(
      workers.map(
        ({ child }) =>
          new Promise<void>((resolve) =>
            child.exitCode !== null ? resolve() : child.once('exit', () => resolve()),
          ),
      ),
    );
    return { result, runners };
  } catch (error) {
    for (const { child } of workers) if (child.exitCode === null) child.kill();
    throw error;
  }
}

async function rebuild(bench: Bench, mode: Mode, partitions: number, round: number): Promise<Run> {
  const generation = nextGeneration++;
  const { result, runners } =
    mode === 'in-process'
      ? await inProcess(bench, generation, partitions)
      : await multiProcess(bench, generation, partitions);
  // Untimed: every run writes into a database of the same size.
  for (const collection of runners[0].collections.values()) {
    await bench.readModels.dropCollection(collection);
  }
  return { mode, partitions, round, ...result };
}

// ---------------------------------------------------------------- reporting

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const whole = (value: number) => Math.round(value).toLocaleString('en');
const cpuText = (value: number) => value.toFixed(1);
const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

function describe(run: Run): string {
  const children =
    run.children.length > 0
      ? ` children ${cpuText(sum(run.children))} (${run.children.map(cpuText).join(' + ')})`
      : '';
  return (
    `  round ${run.round + 1} ${run.mode.padEnd(13)} P=${run.partitions}: ${run.seconds.toFixed(1)} s, ` +
    `${whole(run.eventsPerSecond)} events/s; CPU s: node main ${cpuText(run.nodeMain)}${children}, ` +
    `postgres ${cpuText(run.postgres)} (other databases ${cpuText(run.postgresOther)}), ` +
    `rest of machine ${cpuText(rest(run))}; machine busy ${cpuText(run.machineBusy)} of ${cpuText(run.seconds * cores())}`
  );
}

const cores = () => availableParallelism();
/** Busy CPU seconds of the machine not in this bench's processes (other work on the machine). */
const rest = (run: Run) => run.machineBusy - run.nodeMain - sum(run.children) - run.postgres;

function table(runs: readonly Run[], modes: readonly Mode[], partitions: readonly number[]) {
  const lines = [
    '| mode | P | wall (s) | events/s (median) | runs (events/s) | vs P=1 | node main CPU s | node children CPU s (per child) | postgres CPU s | rest of machine CPU s | machine busy (cores) |',
    '| ---- | -: | -------: | ----------------: | --------------- | -----: | --------------: | ------------------------------- | -------------: | --------------------: | -------------------: |',
  ];
  for (const mode of modes) {
    const of = (p: number) => runs.filter((run) => run.mode === mode && run.partitions === p);
    const base = of(1).length > 0 ? median(of(1).map((run) => run.eventsPerSecond)) : undefined;
    for (const p of partitions) {
      const these = of(p);
      if (these.length === 0) continue;
      const rate = median(these.map((run) => run.eventsPerSecond));
      const wall = median(these.map((run) => run.seconds));
      const children =
        mode === 'multi-process'
          ? `${cpuText(median(these.map((run) => sum(run.children))))} (${Array.from({ length: p }, (_, i) => cpuText(median(these.map((run) => run.children[i])))).join(' / ')})`
          : '-';
      const busy = median(these.map((run) => run.machineBusy / run.seconds));
      lines.push(
        `| ${mode} | ${p} | ${wall.toFixed(1)} | ${whole(rate)} | ${these.map((run) => whole(run.eventsPerSecond)).join(' / ')} | ` +
          `${base === undefined ? '-' : `${(rate / base).toFixed(2)}x`} | ${cpuText(median(these.map((run) => run.nodeMain)))} | ` +
          `${children} | ${cpuText(median(these.map((run) => run.postgres)))} | ${cpuText(median(these.map(rest)))} | ${busy.toFixed(2)} |`,
      );
    }
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------- main

function listEnv<T>(name: string, fallback: readonly T[], parse: (text: string) => T): T[] {
  const text = process.env[name];
  return text ? text.split(',').map((item) => parse(item.trim())) : [...fallback];
}

async function main(): Promise<void> {
  const base = process.env.DATABASE_URL_TEST;
  if (!base)
    throw new Error(
      'set DATABASE_URL_TEST (the PostgreSQL server; a fresh database is made on it)',
    );
  const target = Number(process.env.BENCH_EVENTS ?? 1_000_000);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const partitions = listEnv('BENCH_PARTITIONS', [1, 2, 4], Number);
  const modes = listEnv<Mode>('BENCH_MODES', MODES, (text) => {
    if (!MODES.includes(text as Mode)) throw new Error(`BENCH_MODES: unknown mode ${text}`);
    return text as Mode;
  });
  const database = `cle_bench_partitions_${Date.now()}`;
  const admin = urlFor(base, 'postgres', 'bench-partitions-admin');
  console.log(
    `${target.toLocaleString('en')} simulator events (seed ${SEED}), node ${process.version}, ` +
      `${cores()} cores available (${cpus().length} CPUs: ${cpus()[0]?.model ?? '?'}), ` +
      `P = ${partitions.join(', ')}, modes ${modes.join(' + ')}, ${rounds} round(s), database ${database}`,
  );
  await PgSqlClient.runAlone(admin, `CREATE DATABASE ${database}`);
  const clients: PgSqlClient[] = [];
  const cleanUp = async () => {
    for (const child of liveChildren) child.kill();
    for (const client of clients.splice(0)) await client.close().catch(() => undefined);
    await PgSqlClient.runAlone(admin, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    console.log(`dropped ${database}`);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.log(`${signal}: cleaning up`);
      void cleanUp().finally(() => process.exit(1));
    });
  }
  try {
    const url = urlFor(base, database, 'bench-partitions-main');
    const sql = await PgSqlClient.connect(url);
    clients.push(sql);
    const monitor = await PgSqlClient.connect(urlFor(base, database, MONITOR_APP), 1);
    clients.push(monitor);
    const events = await PostgresEventStore.create(sql);
    const readModels = await PostgresReadModelStore.create(sql);
    let started = process.hrtime.bigint();
    const loaded = await loadSimulatedEvents(events, target);
    const loadSeconds = seconds(started);
    started = process.hrtime.bigint();
    // Untimed: no autovacuum of the fresh table inside the first run, and planner statistics.
    await sql.exec('VACUUM ANALYZE');
    console.log(
      `loaded ${loaded.toLocaleString('en')} events in ${loadSeconds.toFixed(1)} s ` +
        `(${whole(loaded / loadSeconds)}/s); VACUUM ANALYZE ${seconds(started).toFixed(1)} s`,
    );
    const bench: Bench = {
      url: base,
      database,
      sql,
      events,
      readModels,
      meter: new PostgresCpuMeter(monitor, database),
      loaded,
    };
    const runs: Run[] = [];
    for (let round = 0; round < rounds; round++) {
      // Forwards, then backwards: drift over the run (cache, machine load) hits every P alike.
      const order = round % 2 === 0 ? partitions : [...partitions].reverse();
      const modeOrder = round % 2 === 0 ? modes : [...modes].reverse();
      for (const p of order) {
        for (const mode of modeOrder) {
          const run = await rebuild(bench, mode, p, round);
          runs.push(run);
          console.log(describe(run));
        }
      }
    }
    console.log(
      `\n${loaded.toLocaleString('en')} events, ${rounds} round(s), medians per (mode, P); ` +
        `vs P=1 of the same mode; CPU seconds per run; machine busy = busy core-seconds / wall ` +
        `(${cores()} cores)\n`,
    );
    console.log(table(runs, modes, partitions));
  } finally {
    await cleanUp();
  }
}

if (process.argv[2] === WORKER_FLAG) {
  void worker(JSON.parse(process.argv[3]) as WorkerJob);
} else {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
