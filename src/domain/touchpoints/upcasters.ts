/**
 * Upcasting: stored events are never rewritten, so older versions are lifted to the latest one
 * when read. One step per (type, from-version); steps chain until the latest version.
 */
import type { LatestTouchpointEvent, TouchpointType } from '../../../projections/touchpoint-types';
import { latestVersion } from './catalog';
import type { DomainEvent } from './domain-event';

type Upcaster = (data: Readonly<Record<string, unknown>>) => Readonly<Record<string, unknown>>;

const STEPS: Readonly<Partial<Record<`${TouchpointType}@${number}`, Upcaster>>> = {
  // v1 producers could not report the outcome; "unknown" says so rather than guessing.
  'ChannelInteraction@1': (data) => ({ ...data, outcome: 'unknown' }),
};

export class UnknownTouchpointError extends Error {
  constructor(
    readonly type: string,
    readonly version: number,
  ) {
    super(`no schema for touchpoint ${type} v${version}`);
    this.name = 'UnknownTouchpointError';
  }
}

/**
 * Returns the event at its type's latest version (the same object when already latest), typed:
 * the catalog holds exactly the (type, version) pairs of the union (checked when compiling and
 * by its spec), so an event it knows is a member of `LatestTouchpointEvent`.
 */
export function upcast(event: DomainEvent): LatestTouchpointEvent {
  const latest = latestVersion(event.type);
  if (latest === undefined || event.version > latest)
    throw new UnknownTouchpointError(event.type, event.version);
  let current = event;
  while (current.version < latest) {
    const step = STEPS[`${current.type as TouchpointType}@${current.version}`];
    if (step === undefined) throw new UnknownTouchpointError(current.type, current.version);
    current = { ...current, version: current.version + 1, data: step(current.data) };
  }
  return current as LatestTouchpointEvent;
}
