/**
 * Rebuilds a projection on a running engine and follows it to the switch-over.
 *   node dist/scripts/rebuild.js [name] [--url http://localhost:3000] [--interval-ms 500]
 *        [--no-wait]
 * Default name: customers. A progress bar on a terminal, plain lines otherwise; a summary line
 * and exit 0 once the new generation serves queries. Exit 1 when the rebuild cannot start or
 * fails, 2 on a bad command line. --no-wait only starts the rebuild.
 */
import { Presets, SingleBar } from 'cli-progress';
import type { RebuildStatus } from '../src/projection-engine/projection-engine.service';
import { projectionStatus, RebuildCliError, startRebuild } from './rebuild-client';
import {
  barPayload,
  followRebuild,
  parseRebuildArgs,
  progressLine,
  type RebuildCliOptions,
  type RebuildOutcome,
  startedLine,
  summaryLine,
  UsageError,
} from './rebuild-progress';

/** Plain output is for logs: a line every few seconds is enough, whatever the poll interval. */
const PLAIN_LINE_EVERY_MS = 5_000;

interface ProgressDisplay {
  update(rebuild: RebuildStatus): void;
  stop(): void;
}

function barDisplay(name: string, started: RebuildStatus): ProgressDisplay {
  const bar = new SingleBar(
    {
      format: `${name} g${started.generation} [{bar}] {percentage}% | {value}/{total} events | {rate} events/s | ETA {etaText}`,
      stream: process.stdout,
      barsize: 30,
    },
    Presets.shades_classic,
  );
  bar.start(started.totalEvents, started.processedEvents, barPayload(started));
  return {
    update(rebuild) {
      // The total grows while events keep arriving during the rebuild.
      bar.setTotal(rebuild.totalEvents);
      bar.update(rebuild.processedEvents, barPayload(rebuild));
    },
    stop: () => bar.stop(),
  };
}

function plainDisplay(name: string, started: RebuildStatus): ProgressDisplay {
  process.stdout.write(`${startedLine(name, started)}\n`);
  let lastLineAt = Date.now();
  return {
    update(rebuild) {
      if (Date.now() - lastLineAt < PLAIN_LINE_EVERY_MS) return;
      lastLineAt = Date.now();
      process.stdout.write(`${progressLine(name, rebuild)}\n`);
    },
    stop() {},
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until the rebuild the CLI started has switched over; throws if it failed. */
async function follow(
  options: RebuildCliOptions,
  started: RebuildStatus,
): Promise<Extract<RebuildOutcome, { kind: 'switched' }>> {
  const display = process.stdout.isTTY
    ? barDisplay(options.name, started)
    : plainDisplay(options.name, started);
  try {
    for (;;) {
      const outcome = followRebuild(started, await projectionStatus(options.url, options.name));
      if (outcome.kind === 'running') {
        display.update(outcome.rebuild);
        await sleep(options.intervalMs);
        continue;
      }
      if (outcome.kind === 'failed') {
        throw new RebuildCliError(
          `rebuild of ${options.name} into generation ${started.generation} failed: ${outcome.reason}`,
        );
      }
      // Leave the bar at its final count rather than at the last running sample.
      if (outcome.rebuild) display.update(outcome.rebuild);
      return outcome;
    }
  } finally {
    display.stop();
  }
}

async function main(): Promise<void> {
  const options = parseRebuildArgs(process.argv.slice(2));
  const started = await startRebuild(options.url, options.name);
  if (options.wait) {
    process.stdout.write(`${summaryLine(options.name, await follow(options, started))}\n`);
  } else {
    process.stdout.write(`${startedLine(options.name, started)}\n`);
  }
}

main().catch((error: unknown) => {
  const known = error instanceof RebuildCliError || error instanceof UsageError;
  // A bug, not an operator's problem: keep its stack.
  const text = known ? error.message : error instanceof Error ? error.stack : String(error);
  process.stderr.write(`rebuild: ${text}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
