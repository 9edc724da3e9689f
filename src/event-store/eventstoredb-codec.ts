import { EventData, jsonEvent, RecordedEvent as StoredEvent } from '@eventstore/db-client';
import { UnreadableStoredEventError } from './eventstoredb-errors';
import { toGlobalPosition } from './eventstoredb-position';
import { EventMetadata, EventToAppend, RecordedEvent } from './event-store.port';

/**
 * The JSON metadata of a stored event: the port's metadata kept whole under its own key, beside
 * the two port fields EventStoreDB has no place for. Nesting keeps any metadata key (even one
 * named `version`) from colliding with them.
 */
export interface StoredMetadata {
  /** When it happened, exactly as given (the server's own time is `created`). */
  readonly occurredAt: string;
  /** Schema version of the event type. */
  readonly version: number;
  readonly metadata: EventMetadata;
  /** The event's link in its stream's hash chain (hash-chain.ts); absent on older events. */
  readonly hash?: string;
}

/** The event as appended: the port's `eventId` is the server's event id, the `type` its type. */
export function toEventData(event: EventToAppend, hash?: string): EventData {
  const metadata: StoredMetadata = {
    occurredAt: event.occurredAt,
    version: event.version,
    metadata: event.metadata,
    ...(hash === undefined ? {} : { hash }),
  };
  return jsonEvent({ id: event.eventId, type: event.type, data: event.data, metadata });
}

/** The stored event for the port; `streamId` is its name without this store's namespace. */
export function toRecordedEvent(stored: StoredEvent, streamId: string): RecordedEvent {
  const unreadable = (reason: string) =>
    new UnreadableStoredEventError(stored.streamId, stored.revision, reason);
  const { data, metadata } = stored;
  if (!stored.isJson || !isJsonObject(data)) throw unreadable('data is not a JSON object');
  if (!isStoredMetadata(metadata)) {
    throw unreadable('metadata is not { occurredAt, version, metadata } as this adapter writes it');
  }
  const position = toGlobalPosition(stored.position);
  if (position === undefined) {
    throw unreadable(
      'no log position of its own (written in an explicit transaction, or a server before 22.6)',
    );
  }
  return {
    eventId: stored.id,
    type: stored.type,
    version: metadata.version,
    occurredAt: metadata.occurredAt,
    data,
    metadata: metadata.metadata,
    streamId,
    revision: Number(stored.revision),
    position,
    recordedAt: stored.created.toISOString(),
    ...(typeof metadata.hash === 'string' ? { hash: metadata.hash } : {}),
  };
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStoredMetadata(value: unknown): value is StoredMetadata {
  return (
    isJsonObject(value) &&
    typeof value.occurredAt === 'string' &&
    Number.isSafeInteger(value.version) &&
    isJsonObject(value.metadata)
  );
}
