/**
 * The personal-data jobs of a running service, followed to their end:
 *   npm run privacy -- rotate-master      rewrap every data key under the current master key
 *   npm run privacy -- encrypt-existing   seal personal fields of events stored in plain text
 *   npm run privacy -- status             key counts and the last job
 * Options: --url http://localhost:3000, --interval-ms 500. The key in CLE_API_KEY (admin role).
 * A progress bar on a terminal, plain lines otherwise; exit 0 when done, 1 when refused or
 * failed, 2 on a bad command line.
 */
import { Presets, SingleBar } from 'cli-progress';
import { parseArgs } from 'node:util';
import type { PrivacyJobAnswer, PrivacyStatusAnswer } from '../src/http/responses';
import type { PrivacyJobStatus } from '../src/privacy/privacy-jobs';
import { callService, readJson, ServiceCliError } from './api-client';

const USAGE =
  'usage: privacy rotate-master|encrypt-existing|status [--url http://localhost:3000] [--interval-ms 500]';
const COMMANDS = ['rotate-master', 'encrypt-existing', 'status'] as const;
const PLAIN_LINE_EVERY_MS = 5_000;

class UsageError extends Error {}

function options(argv: readonly string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        url: { type: 'string', default: 'http://localhost:3000' },
        'interval-ms': { type: 'string', default: '500' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [command, ...rest] = parsed.positionals;
  if (!(COMMANDS as readonly string[]).includes(command) || rest.length > 0)
    throw new UsageError(command ? `unknown command ${command}` : 'a command is needed');
  const intervalMs = Number(parsed.values['interval-ms']);
  if (!Number.isInteger(intervalMs) || intervalMs < 50)
    throw new UsageError('--interval-ms must be an integer of at least 50');
  return {
    command: command as (typeof COMMANDS)[number],
    url: parsed.values.url!.replace(/\/+$/, ''),
    intervalMs,
  };
}

const line = (job: PrivacyJobStatus) =>
  `${job.kind}: ${job.state}, ${job.processed}/${job.total} looked at, ${job.changed} changed` +
  (job.unreadable > 0 ? `, ${job.unreadable} unreadable (see the service log)` : '') +
  (job.error ? ` (${job.error})` : '');

async function status(url: string): Promise<PrivacyStatusAnswer> {
  const response = await callService(url, '/v1/admin/privacy', { method: 'GET' });
  if (!response.ok)
    throw new ServiceCliError(
      `GET /v1/admin/privacy answered ${response.status}: ${await response.text()}`,
    );
  return readJson<PrivacyStatusAnswer>(response);
}

async function follow(url: string, started: PrivacyJobStatus, intervalMs: number) {
  const bar = process.stdout.isTTY
    ? new SingleBar(
        {
          format: `${started.kind} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}`,
          barsize: 30,
        },
        Presets.shades_classic,
      )
    : undefined;
  bar?.start(Math.max(started.total, 1), started.processed);
  let lastLineAt = Date.now();
  try {
    for (;;) {
      const { job } = await status(url);
      if (!job || job.startedAt !== started.startedAt)
        throw new ServiceCliError(
          'the service no longer reports the job (restarted?): run it again',
        );
      bar?.setTotal(Math.max(job.total, 1));
      bar?.update(job.processed);
      if (!bar && Date.now() - lastLineAt >= PLAIN_LINE_EVERY_MS) {
        lastLineAt = Date.now();
        process.stdout.write(`${line(job)}\n`);
      }
      if (job.state !== 'running') return job;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  } finally {
    bar?.stop();
  }
}

async function main(): Promise<void> {
  const { command, url, intervalMs } = options(process.argv.slice(2));
  if (command === 'status') {
    process.stdout.write(`${JSON.stringify(await status(url), null, 2)}\n`);
    return;
  }
  const response = await callService(url, `/v1/admin/privacy/${command}`, { method: 'POST' });
  if (response.status !== 202) {
    const body = await response.text();
    const message = /"message":"([^"]*)"/.exec(body)?.[1] ?? body.slice(0, 200);
    throw new ServiceCliError(`${command} was refused (${response.status}): ${message}`);
  }
  const { job } = await readJson<PrivacyJobAnswer>(response);
  const finished = await follow(url, job, intervalMs);
  process.stdout.write(`${line(finished)}\n`);
  if (finished.state === 'failed') process.exitCode = 1;
}

main().catch((error: unknown) => {
  const known = error instanceof ServiceCliError || error instanceof UsageError;
  const text = known ? error.message : error instanceof Error ? error.stack : String(error);
  process.stderr.write(`privacy: ${text}${error instanceof UsageError ? `\n${USAGE}` : ''}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
