import type { ItemResult } from './ingest.service';

export type IngestChannel = 'http' | 'kafka';

/**
 * Published on the in-process event bus after each ingest call, for observers such as metrics.
 * It carries outcomes only, never a touchpoint's content. The event store stays the source of
 * truth: nothing may derive state from this event.
 */
export class TouchpointsIngestedEvent {
  constructor(
    readonly channel: IngestChannel,
    readonly outcomes: Readonly<Partial<Record<ItemResult['status'], number>>>,
  ) {}
}
