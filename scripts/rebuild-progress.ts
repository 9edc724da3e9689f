/**
 * The pure half of the rebuild CLI (scripts/rebuild.ts): its arguments, what a status answer
 * means for the rebuild it started, and the wording of progress, summary and errors.
 */
import { parseArgs } from 'node:util';
// Types only: the CLI stays free of Nest at run time, but typechecks against the API's shapes.
import type {
  ProjectionStatus,
  RebuildStatus,
} from '../src/projection-engine/projection-engine.service';

export const USAGE =
  'usage: rebuild [name] [--url http://localhost:3000] [--interval-ms 500] [--no-wait]';

export interface RebuildCliOptions {
  readonly name: string;
  readonly url: string;
  readonly intervalMs: number;
  readonly wait: boolean;
}

/** Bad command line: the process exits 2 with the usage, as distinct from a failed rebuild. */
export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = 'UsageError';
  }
}

export function parseRebuildArgs(argv: readonly string[]): RebuildCliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        url: { type: 'string', default: 'http://localhost:3000' },
        'interval-ms': { type: 'string', default: '500' },
        'no-wait': { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { positionals, values } = parsed;
  if (positionals.length > 1)
    throw new UsageError(`expected one projection name, got ${positionals.length}`);
  const interval = values['interval-ms'];
  if (!/^\d+$/.test(interval) || Number(interval) < 1) {
    throw new UsageError(`--interval-ms must be a positive integer, got "${interval}"`);
  }
  return {
    name: positionals[0] ?? 'customers',
    url: serviceUrl(values.url),
    intervalMs: Number(interval),
    wait: !values['no-wait'],
  };
}

function serviceUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--url must be an http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url must be an http(s) URL, got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}

export type RebuildOutcome =
  | { readonly kind: 'running'; readonly rebuild: RebuildStatus }
  /** `rebuild` is absent when the status no longer describes ours (see followRebuild). */
  | {
      readonly kind: 'switched';
      readonly projection: ProjectionStatus;
      readonly rebuild?: RebuildStatus;
    }
  | { readonly kind: 'failed'; readonly reason: string };

/**
 * Where the rebuild the CLI started (`started`, from the POST) stands, given a projection status.
 * The service reports only its current or latest rebuild, and only from memory: once that is
 * another rebuild (a later one, or the same generation retried) or nothing (a restart), ours has
 * ended, and the active generation tells whether it switched over.
 */
export function followRebuild(
  started: RebuildStatus,
  projection: ProjectionStatus,
): RebuildOutcome {
  const rebuild = projection.rebuild;
  if (rebuild?.generation === started.generation && rebuild.startedAt === started.startedAt) {
    if (rebuild.state === 'running') return { kind: 'running', rebuild };
    if (rebuild.state === 'switched') return { kind: 'switched', projection, rebuild };
    return { kind: 'failed', reason: rebuild.error ?? 'the service gave no reason' };
  }
  if (projection.generation >= started.generation) return { kind: 'switched', projection };
  return {
    kind: 'failed',
    reason: 'the service no longer reports it (restarted, or another rebuild replaced it)',
  };
}

/** Seconds to go at the current rate; undefined while there is no rate to judge by. */
export function etaSeconds(rebuild: RebuildStatus): number | undefined {
  const remaining = rebuild.totalEvents - rebuild.processedEvents;
  if (remaining <= 0) return 0;
  if (rebuild.eventsPerSecond <= 0) return undefined;
  return Math.ceil(remaining / rebuild.eventsPerSecond);
}

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined) return '?';
  const whole = Math.ceil(seconds);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m ${pad(whole % 60)}s`;
  return `${Math.floor(whole / 3600)}h ${pad(Math.floor((whole % 3600) / 60))}m`;
}

/** An empty store rebuilds in no time: nothing to do counts as done. */
export function percentDone(rebuild: RebuildStatus): number {
  if (rebuild.totalEvents <= 0) return 100;
  return Math.min(100, Math.floor((rebuild.processedEvents / rebuild.totalEvents) * 100));
}

/** The values the TTY progress bar shows beside its built-in {bar}, {value} and {total}. */
export function barPayload(rebuild: RebuildStatus): { rate: number; etaText: string } {
  return { rate: rebuild.eventsPerSecond, etaText: formatDuration(etaSeconds(rebuild)) };
}

export function startedLine(name: string, rebuild: RebuildStatus): string {
  return `rebuild of ${name} started: generation ${rebuild.generation}, ${rebuild.totalEvents} events to project`;
}

/** One line of progress, for output that is not a terminal (CI logs, pipes). */
export function progressLine(name: string, rebuild: RebuildStatus): string {
  return (
    `${name} g${rebuild.generation}: ${rebuild.processedEvents}/${rebuild.totalEvents} events ` +
    `(${percentDone(rebuild)}%), ${rebuild.eventsPerSecond} events/s, ` +
    `ETA ${formatDuration(etaSeconds(rebuild))}`
  );
}

export function summaryLine(
  name: string,
  outcome: Extract<RebuildOutcome, { kind: 'switched' }>,
): string {
  const { projection, rebuild } = outcome;
  const target = `generation ${projection.generation} (collection ${projection.collection})`;
  if (!rebuild?.finishedAt) return `rebuilt ${name} into ${target}`;
  const seconds = (Date.parse(rebuild.finishedAt) - Date.parse(rebuild.startedAt)) / 1000;
  // Rate over the whole run, switch-over included, so the three numbers agree with each other.
  const rate =
    seconds > 0 ? Math.round(rebuild.processedEvents / seconds) : rebuild.eventsPerSecond;
  return (
    `rebuilt ${name} into ${target}: ${rebuild.processedEvents} events ` +
    `in ${seconds.toFixed(1)} s, ${rate} events/s`
  );
}

/** What an HTTP error answer means for an operator; `body` is the service's error JSON or text. */
export function describeHttpFailure(name: string, status: number, body: string): string {
  const message = errorMessage(body);
  if (status === 404) return `unknown projection "${name}" (${message})`;
  if (status === 409) return `cannot start a rebuild of ${name}: ${message}`;
  return `the service answered ${status}: ${message}`;
}

function errorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: a proxy's or another server's page; show its start below
  }
  return body.trim().slice(0, 200) || 'no details';
}
