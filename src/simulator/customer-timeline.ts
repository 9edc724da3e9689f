/**
 * Turns a journey into the touchpoints the live service would hold for that customer: each gets
 * an id and an envelope, and before each one (and at the end of the period) the scheduler's
 * threshold events that are due are inserted, computed by the same pure projection the service
 * runs, so a simulated history replays exactly as a live one would.
 */
import { type CustomerState, initialCustomerState } from '../../projections/customer-state';
import type { Policy } from '../../projections/policy';
import { projectCustomer } from '../../projections/project-customer';
import { dueThresholdEvents } from '../../projections/thresholds';
import { upcast } from '../domain/touchpoints';
import type { Prng } from './prng';
import type { RawTouchpoint, SimulatedTouchpoint } from './raw-touchpoint';

export const SCHEDULER_SOURCE = 'lifecycle-scheduler';

export interface TimelineOptions {
  readonly customerId: string;
  readonly rng: Prng;
  readonly policy: Policy;
  readonly endAt: string;
  readonly onCustomerFinished?: (state: CustomerState) => void;
}

export function* customerTimeline(
  journey: Iterable<RawTouchpoint>,
  options: TimelineOptions,
): Generator<SimulatedTouchpoint> {
  const { customerId, policy } = options;
  let state = initialCustomerState(customerId);

  function* thresholdsDueBy(now: string): Generator<SimulatedTouchpoint> {
    // Re-ask after each append, as the scheduler does, so a threshold made moot by an earlier
    // one is never written. Each applied threshold leaves the pending set, so this ends.
    for (;;) {
      const [due] = dueThresholdEvents(state, policy, now);
      if (due === undefined) return;
      state = projectCustomer(state, due, policy);
      yield { ...due, customerId, metadata: { sourceSystem: SCHEDULER_SOURCE } };
    }
  }

  for (const raw of journey) {
    yield* thresholdsDueBy(raw.occurredAt);
    const touchpoint: SimulatedTouchpoint = {
      eventId: options.rng.uuid(),
      customerId,
      type: raw.type,
      version: raw.version,
      occurredAt: raw.occurredAt,
      data: raw.data,
      metadata: { sourceSystem: raw.sourceSystem },
    };
    state = projectCustomer(state, upcast(touchpoint), policy);
    yield touchpoint;
  }
  yield* thresholdsDueBy(options.endAt);
  options.onCustomerFinished?.(state);
}
