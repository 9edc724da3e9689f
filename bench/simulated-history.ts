/**
 * The simulator's history for the benchmarks: the first `target` touchpoints of seed 1 (three
 * years of a retail bank), and a loader that appends them as the service would, per customer.
 */
import { customerStreamId, EventToAppend, EventStore } from '../src/event-store/event-store.port';
import { SimulatedTouchpoint, simulateTouchpoints } from '../src/simulator';

export const SEED = 1;
// Seed 1, 3 years: 846,379 events for 10,000 customers (84.6 each). Estimating low simulates a
// few customers too many, and the count is then cut at exactly `target`.
const EVENTS_PER_CUSTOMER_ESTIMATE = 80;

export function* simulatorEvents(target: number): Generator<SimulatedTouchpoint> {
  const customers = Math.ceil(target / EVENTS_PER_CUSTOMER_ESTIMATE);
  let count = 0;
  for (const touchpoint of simulateTouchpoints({ customers, seed: SEED })) {
    if (count++ >= target) return;
    yield touchpoint;
  }
}

/** Appends the history in per-customer batches of up to 100; returns how many were stored. */
export async function loadSimulatedEvents(store: EventStore, target: number): Promise<number> {
  const pending = new Map<string, EventToAppend[]>();
  const revisions = new Map<string, number>();
  let loaded = 0;
  const flush = async (customerId: string) => {
    const events = pending.get(customerId);
    if (!events || events.length === 0) return;
    pending.delete(customerId);
    const revision = revisions.get(customerId);
    const result = await store.appendToStream(
      customerStreamId(customerId),
      events,
      revision ?? 'no_stream',
    );
    revisions.set(customerId, result.streamRevision);
    loaded += events.length;
  };
  for (const { customerId, metadata, ...event } of simulatorEvents(target)) {
    const events = pending.get(customerId) ?? [];
    events.push({ ...event, metadata });
    pending.set(customerId, events);
    if (events.length >= 100) await flush(customerId);
  }
  for (const customerId of [...pending.keys()]) await flush(customerId);
  return loaded;
}
