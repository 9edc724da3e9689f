/**
 * Seeded, streaming simulation of a bank's customer base. Customers are processed in cohorts of
 * `cohortSize`; within a cohort their timelines are merged into one stream in occurredAt order.
 * Memory is bounded by the cohort (one live generator and projection state per customer), not
 * by the number of customers, so millions can be streamed; the price is that the global order
 * restarts with each cohort (every customer's own events are always in order).
 */
import type { CustomerState } from '../../projections/customer-state';
import type { Policy } from '../../projections/policy';
import { RETAIL_BANK_POLICY_V1 } from '../domain/retail-bank-policy';
import { customerTimeline } from './customer-timeline';
import { customerJourney } from './journey';
import { MinHeap } from './min-heap';
import { Prng } from './prng';
import { MS_PER_DAY, type SimulatedTouchpoint } from './raw-touchpoint';

export interface SimulationOptions {
  readonly customers: number;
  readonly seed: number;
  /** First instant of the simulated period (ISO). Default 2022-01-01. */
  readonly start?: string;
  /** Length of the simulated period in days. Default 3 years. */
  readonly days?: number;
  readonly cohortSize?: number;
  readonly branchCount?: number;
  readonly rmsPerBranch?: number;
  readonly importedShare?: number;
  readonly policy?: Policy;
  /** Called with each customer's final projected state once her timeline is exhausted. */
  readonly onCustomerFinished?: (state: CustomerState) => void;
}

interface Cursor {
  readonly order: number;
  readonly timeline: Iterator<SimulatedTouchpoint>;
  head: SimulatedTouchpoint;
}

const earlier = (a: Cursor, b: Cursor): boolean =>
  a.head.occurredAt < b.head.occurredAt ||
  (a.head.occurredAt === b.head.occurredAt && a.order < b.order);

export function* simulateTouchpoints(options: SimulationOptions): Generator<SimulatedTouchpoint> {
  const startMs = Date.parse(options.start ?? '2022-01-01T00:00:00.000Z');
  const endMs = startMs + (options.days ?? 3 * 365) * MS_PER_DAY;
  const cohortSize = options.cohortSize ?? 10_000;
  const policy = options.policy ?? RETAIL_BANK_POLICY_V1;
  for (let first = 0; first < options.customers; first += cohortSize) {
    const heap = new MinHeap<Cursor>(earlier);
    for (let index = first; index < Math.min(options.customers, first + cohortSize); index++) {
      const rng = Prng.derive(options.seed, index);
      const customerId = rng.uuid();
      const journey = customerJourney({
        rng,
        customerId,
        startMs,
        endMs,
        branchCount: options.branchCount ?? 40,
        rmsPerBranch: options.rmsPerBranch ?? 4,
        importedShare: options.importedShare ?? 0.3,
      });
      const timeline = customerTimeline(journey, {
        customerId,
        rng,
        policy,
        endAt: new Date(endMs).toISOString(),
        onCustomerFinished: options.onCustomerFinished,
      });
      const head = timeline.next();
      if (!head.done) heap.push({ order: index, timeline, head: head.value });
    }
    for (let cursor = heap.pop(); cursor !== undefined; cursor = heap.pop()) {
      yield cursor.head;
      const next = cursor.timeline.next();
      if (!next.done) {
        cursor.head = next.value;
        heap.push(cursor);
      }
    }
  }
}
