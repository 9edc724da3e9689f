/**
 * What a candidate policy would change, asked of a running service and followed to the end:
 *   npm run what-if -- --policy policy/candidate.json [--url http://localhost:3000]
 *        [--interval-ms 500] [--purpose CASE-2026-14]
 * The key in CLE_API_KEY (audit role); --purpose goes to the access log as X-Purpose. A progress
 * bar on a terminal, plain lines otherwise; then the stage and tier matrices, the churn-score
 * histogram and the coverage moves per RM. Exit 0 once finished, 1 when the service refuses the
 * candidate (the field and rule are printed), the what-if fails or the service cannot be
 * reached, 2 on a bad command line.
 */
import { Presets, SingleBar } from 'cli-progress';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { WhatIfAnswer } from '../src/http/responses';
import type { WhatIfJobStatus } from '../src/what-if/what-if-job';
import { progressLine, reportLines } from '../src/what-if/what-if-report';
import { callService, readJson, ServiceCliError } from './api-client';

const USAGE =
  'usage: what-if --policy file.json [--url http://localhost:3000] [--interval-ms 500] [--purpose CASE-REF]';
const PLAIN_LINE_EVERY_MS = 5_000;

class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = 'UsageError';
  }
}

interface Options {
  readonly candidate: unknown;
  readonly url: string;
  readonly intervalMs: number;
  readonly purpose?: string;
}

function options(argv: readonly string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        policy: { type: 'string' },
        url: { type: 'string', default: 'http://localhost:3000' },
        'interval-ms': { type: 'string', default: '500' },
        purpose: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { policy, url, purpose } = parsed.values;
  if (policy === undefined) throw new UsageError('--policy is needed: the candidate policy file');
  let candidate: unknown;
  try {
    candidate = JSON.parse(readFileSync(policy, 'utf8'));
  } catch (error) {
    throw new UsageError(`--policy ${policy}: ${(error as Error).message}`);
  }
  const intervalMs = Number(parsed.values['interval-ms']);
  if (!Number.isInteger(intervalMs) || intervalMs < 50)
    throw new UsageError('--interval-ms must be an integer of at least 50');
  if (!/^https?:\/\/[^/]/.test(url!)) throw new UsageError(`--url must be an http(s) URL: ${url}`);
  return { candidate, url: url!.replace(/\/+$/, ''), intervalMs, purpose };
}

/** The service's error answer in one line, with each field and rule it names. */
async function refusal(what: string, response: Response): Promise<ServiceCliError> {
  const text = await response.text();
  let detail = text.trim().slice(0, 300) || 'no details';
  try {
    const body = JSON.parse(text) as {
      message?: string;
      errors?: { field: string; rule: string; message: string }[];
    };
    detail =
      body.errors && body.errors.length > 0
        ? body.errors.map((error) => `${error.field} (${error.rule}): ${error.message}`).join('; ')
        : (body.message ?? detail);
  } catch {
    // not JSON: a proxy's page; its start is shown
  }
  return new ServiceCliError(`${what} answered ${response.status}: ${detail}`);
}

async function start(options: Options): Promise<WhatIfJobStatus> {
  const response = await callService(options.url, '/v1/audit/what-if', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.purpose === undefined ? {} : { 'x-purpose': options.purpose }),
    },
    body: JSON.stringify(options.candidate),
  });
  if (response.status !== 202) throw await refusal('POST /v1/audit/what-if', response);
  return (await readJson<WhatIfAnswer>(response)).job;
}

async function poll(url: string, id: string): Promise<WhatIfAnswer> {
  const path = `/v1/audit/what-if/${encodeURIComponent(id)}`;
  const response = await callService(url, `${path}?limit=1`, { method: 'GET' });
  if (!response.ok) throw await refusal(`GET ${path}`, response);
  return readJson<WhatIfAnswer>(response);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function follow(options: Options, started: WhatIfJobStatus): Promise<WhatIfAnswer> {
  const bar = process.stdout.isTTY
    ? new SingleBar(
        {
          format:
            'what-if [{bar}] {percentage}% | {value}/{total} customers | {events} events | {rate} events/s | ETA {eta_formatted}',
          barsize: 30,
        },
        Presets.shades_classic,
      )
    : undefined;
  const payload = (job: WhatIfJobStatus) => ({
    events: job.progress.eventsFolded,
    rate: job.progress.eventsPerSecond,
  });
  bar?.start(Math.max(started.progress.customersTotal, 1), 0, payload(started));
  if (!bar) process.stdout.write(`${progressLine(started)}\n`);
  let lastLineAt = Date.now();
  try {
    for (;;) {
      const answer = await poll(options.url, started.id);
      const { job } = answer;
      bar?.setTotal(Math.max(job.progress.customersTotal, 1));
      bar?.update(job.progress.customersDone, payload(job));
      if (job.state !== 'running') return answer;
      if (!bar && Date.now() - lastLineAt >= PLAIN_LINE_EVERY_MS) {
        lastLineAt = Date.now();
        process.stdout.write(`${progressLine(job)}\n`);
      }
      await sleep(options.intervalMs);
    }
  } finally {
    bar?.stop();
  }
}

async function main(): Promise<void> {
  const parsed = options(process.argv.slice(2));
  const { job, result } = await follow(parsed, await start(parsed));
  if (job.state !== 'finished' || !result) {
    throw new ServiceCliError(`what-if ${job.id} ${job.state}: ${job.error ?? 'no reason given'}`);
  }
  process.stdout.write(`${reportLines(job, result).join('\n')}\n`);
  process.stdout.write(
    `\nthe customers affected, with both answers: GET ${parsed.url}/v1/audit/what-if/${job.id}?limit=100\n`,
  );
}

main().catch((error: unknown) => {
  const known = error instanceof ServiceCliError || error instanceof UsageError;
  // A bug, not an operator's problem: keep its stack.
  const text = known ? error.message : error instanceof Error ? error.stack : String(error);
  process.stderr.write(`what-if: ${text}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
