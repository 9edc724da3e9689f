/**
 * Upcasting: stored events are never rewritten, so older versions are lifted to the latest one
 * when read. One step per (type, from-version); steps chain until the latest version.
 */
import { latestVersion } from './catalog';
import type { DomainEvent } from './domain-event';

type Upcaster = (data: Readonly<Record<string, unknown>>) => Readonly<Record<string, unknown>>;

const STEPS: Readonly<Record<string, Upcaster>> = {
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

/** Returns the event at its type's latest version (the same object when already latest). */
export function upcast(event: DomainEvent): DomainEvent {
  const latest = latestVersion(event.type);
  if (latest === undefined || event.version > latest)
    throw new UnknownTouchpointError(event.type, event.version);
  let current = event;
  while (current.version < latest) {
    const step = STEPS[`${current.type}@${current.version}`];
    if (step === undefined) throw new UnknownTouchpointError(current.type, current.version);
    current = { ...current, version: current.version + 1, data: step(current.data) };
  }
  return current;
}
