/**
 * Simulated customer histories, posted to a running engine or summarised.
 *   node dist/scripts/simulate.js --customers 10000 --seed 1 [--url http://localhost:3000]
 *        [--batch 200] [--days 1095] [--cohort 10000] [--dry-run]
 * With --dry-run nothing is sent: the distribution of events, stages and tiers is printed.
 */
import { SYSTEM_TOUCHPOINT_TYPES } from '../src/domain/touchpoints';
import {
  DistributionCollector,
  type SimulatedTouchpoint,
  simulateTouchpoints,
} from '../src/simulator';
import { authorizationHeaders } from './api-client';

interface CliOptions {
  readonly customers: number;
  readonly seed: number;
  readonly url: string;
  readonly batch: number;
  readonly days: number;
  readonly cohort: number;
  readonly dryRun: boolean;
}

function parseArgs(argv: readonly string[]): CliOptions {
  const values = new Map<string, string>();
  let dryRun = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--dry-run') dryRun = true;
    else if (arg.startsWith('--') && i + 1 < argv.length) values.set(arg.slice(2), argv[++i]);
    else throw new Error(`unexpected argument "${arg}"`);
  }
  const int = (name: string, fallback: number): number => {
    const raw = values.get(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < 1)
      throw new Error(`--${name} must be a positive integer, got "${raw}"`);
    return Number(raw);
  };
  return {
    customers: int('customers', 1000),
    seed: int('seed', 1),
    url: (values.get('url') ?? 'http://localhost:3000').replace(/\/+$/, ''),
    batch: int('batch', 200),
    days: int('days', 3 * 365),
    cohort: int('cohort', 10_000),
    dryRun,
  };
}

async function post(url: string, touchpoints: readonly SimulatedTouchpoint[]): Promise<void> {
  const response = await fetch(`${url}/v1/touchpoints`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authorizationHeaders() },
    body: JSON.stringify({ touchpoints }),
  });
  if (!response.ok) {
    throw new Error(
      `POST ${url}/v1/touchpoints answered ${response.status}: ${(await response.text()).slice(0, 2000)}`,
    );
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const collector = new DistributionCollector();
  const started = Date.now();
  let batch: SimulatedTouchpoint[] = [];
  for (const touchpoint of simulateTouchpoints({
    customers: options.customers,
    seed: options.seed,
    days: options.days,
    cohortSize: options.cohort,
    onCustomerFinished: collector.recordCustomer,
  })) {
    collector.recordEvent(touchpoint);
    // Threshold events are the engine's own: its scheduler appends the same ones (same ids).
    if (options.dryRun || SYSTEM_TOUCHPOINT_TYPES.includes(touchpoint.type)) continue;
    batch.push(touchpoint);
    if (batch.length >= options.batch) {
      await post(options.url, batch);
      batch = [];
    }
  }
  if (batch.length > 0) await post(options.url, batch);
  const seconds = (Date.now() - started) / 1000;
  const result = collector.result();
  process.stdout.write(
    `${JSON.stringify({ ...result, seconds, eventsPerSecond: Math.round(result.events / seconds) }, null, 2)}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`simulate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
