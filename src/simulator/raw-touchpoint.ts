import type { TouchpointType, TouchpointVersion } from '../../projections/touchpoint-types';

/** A touchpoint as a journey produces it, before ids and envelope are attached. */
export interface RawTouchpoint {
  readonly type: TouchpointType;
  readonly version: TouchpointVersion;
  readonly occurredAt: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** Which bank system would have emitted it (metadata.sourceSystem). */
  readonly sourceSystem: string;
}

/** The envelope the ingest API accepts: `POST /v1/touchpoints {"touchpoints": [...]}`. */
export interface SimulatedTouchpoint {
  readonly eventId: string;
  readonly customerId: string;
  readonly type: TouchpointType;
  readonly version: TouchpointVersion;
  readonly occurredAt: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly metadata: { readonly sourceSystem: string };
}

export const MS_PER_DAY = 86_400_000;

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
