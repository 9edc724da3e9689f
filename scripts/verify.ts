/**
 * Verifies a running service's whole event store: every stream's hash chain and the signed
 * checkpoints (docs/auditing.md).
 *   npm run verify                 verify, print the report
 *   npm run verify -- --backfill   first chain the events stored before the chain existed (once)
 * Options: --url http://localhost:3000, --interval-ms 500, --json (the whole report as JSON).
 * The key in CLE_API_KEY (audit role; admin too for --backfill). A progress bar with events/s on
 * a terminal, plain lines otherwise. Exit 0 when every check passes, 1 when any fails (each
 * stream and revision named, and how) or the job cannot run, 2 on a bad command line.
 */
import { Presets, SingleBar } from 'cli-progress';
import { parseArgs } from 'node:util';
import type { VerificationJobAnswer } from '../src/http/responses';
import type { VerificationJob } from '../src/tamper-evidence/store-verification';
import {
  callService,
  readJson,
  refusedError,
  runCli,
  ServiceCliError,
  UsageError,
} from './api-client';

const USAGE =
  'usage: verify [--backfill] [--json] [--url http://localhost:3000] [--interval-ms 500]';
const PLAIN_LINE_EVERY_MS = 5_000;

function options(argv: readonly string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        url: { type: 'string', default: 'http://localhost:3000' },
        'interval-ms': { type: 'string', default: '500' },
        backfill: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const intervalMs = Number(parsed.values['interval-ms']);
  if (!Number.isInteger(intervalMs) || intervalMs < 50)
    throw new UsageError('--interval-ms must be an integer of at least 50');
  return {
    url: parsed.values.url!.replace(/\/+$/, ''),
    intervalMs,
    backfill: parsed.values.backfill === true,
    json: parsed.values.json === true,
  };
}

async function start(url: string, path: string, what: string): Promise<VerificationJob> {
  const response = await callService(url, path, { method: 'POST' });
  if (response.status !== 202) throw await refusedError(response, what);
  return (await readJson<VerificationJobAnswer>(response)).job!;
}

const progressLine = (job: VerificationJob) =>
  `${job.kind}: ${job.processed}/${job.total} events, ${job.eventsPerSecond} events/s`;

async function follow(url: string, started: VerificationJob, intervalMs: number) {
  const bar = process.stdout.isTTY
    ? new SingleBar(
        {
          format: `${started.kind} [{bar}] {percentage}% | {value}/{total} events | {rate} events/s | ETA {eta_formatted}`,
          barsize: 30,
        },
        Presets.shades_classic,
      )
    : undefined;
  bar?.start(Math.max(started.total, 1), started.processed, { rate: 0 });
  let lastLineAt = Date.now();
  try {
    for (;;) {
      const response = await callService(url, '/v1/audit/verify', { method: 'GET' });
      if (!response.ok)
        throw new ServiceCliError(`GET /v1/audit/verify answered ${response.status}`);
      const { job } = await readJson<VerificationJobAnswer>(response);
      if (!job || job.id !== started.id)
        throw new ServiceCliError(
          'the service no longer reports the job (restarted?): run it again',
        );
      bar?.setTotal(Math.max(job.total, 1));
      bar?.update(job.processed, { rate: job.eventsPerSecond });
      if (!bar && Date.now() - lastLineAt >= PLAIN_LINE_EVERY_MS) {
        lastLineAt = Date.now();
        process.stdout.write(`${progressLine(job)}\n`);
      }
      if (job.state !== 'running') return job;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  } finally {
    bar?.stop();
  }
}

/** The report an operator reads: a verdict, the figures, and every failure on its own line. */
export function reportText(job: VerificationJob): string {
  const report = job.report!;
  const lines = [
    `${report.passed ? 'PASSED' : 'FAILED'}: ${report.events} events in ${report.streams} streams, ` +
      `${report.checkpoints} checkpoints, ${job.eventsPerSecond} events/s`,
    report.trustedCheckpoint
      ? `compared with signed checkpoint ${report.trustedCheckpoint.sequence} (position ${report.trustedCheckpoint.position})`
      : 'no signed checkpoint verifies: events were checked against their chains only',
    ...report.backfills.map(
      (backfill) =>
        `chain backfilled on ${backfill.performedAt} for ${backfill.events} events up to position ${backfill.upToPosition}: those are proven unaltered since then, not before`,
    ),
    ...report.failures.map(
      (failure) =>
        `  ${failure.kind.padEnd(19)} ${failure.streamId} revision ${failure.revision}` +
        `${failure.checkpoint ? ` (checkpoint ${failure.checkpoint})` : ''}: ${failure.detail}`,
    ),
  ];
  if (report.failureCount > report.failures.length)
    lines.push(`  ... and ${report.failureCount - report.failures.length} more failures`);
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const { url, intervalMs, backfill, json } = options(process.argv.slice(2));
  if (backfill) {
    const started = await start(url, '/v1/admin/hash-chain/backfill', 'the backfill');
    const done = await follow(url, started, intervalMs);
    if (done.state !== 'done') throw new ServiceCliError(`backfill failed: ${done.error}`);
    process.stdout.write(
      `backfill: chained ${done.backfill!.events} events in ${done.backfill!.streams} streams\n`,
    );
  }
  const job = await follow(url, await start(url, '/v1/audit/verify', 'verify'), intervalMs);
  if (job.state === 'error') throw new ServiceCliError(`verify failed: ${job.error}`);
  process.stdout.write(json ? `${JSON.stringify(job.report, null, 2)}\n` : reportText(job));
  if (job.state !== 'passed') process.exitCode = 1;
}

if (require.main === module) runCli('verify', USAGE, main);
