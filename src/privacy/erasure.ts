import { Tombstone } from './key-store.port';

/** The tombstone a PersonalDataErased event leaves, shredded now (the first tombstone stays). */
export function erasureTombstone(event: {
  readonly eventId: string;
  readonly data: Readonly<Record<string, unknown>>;
}): Tombstone {
  return {
    shreddedAt: new Date().toISOString(),
    reason: typeof event.data.reason === 'string' ? event.data.reason : 'customer-request',
    erasureEventId: event.eventId.toLowerCase(),
  };
}
