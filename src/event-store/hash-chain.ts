import { hash } from 'node:crypto';
import type { EventToAppend } from './event-store.port';

/**
 * The hash chain of a stream (docs/auditing.md). Every event stored gets
 *
 *   hash = SHA-256( previous hash of the stream (32 bytes) || canonical bytes of the event )
 *
 * where the first event of a stream chains to 32 zero bytes (GENESIS_HASH) and the canonical
 * bytes are the UTF-8 of the RFC 8785 (JCS) canonical JSON of
 *
 *   { eventId, streamId, revision, type, version, occurredAt, data, metadata }
 *
 * with the event id lower-case and occurredAt as `YYYY-MM-DDTHH:mm:ss.sssZ`. `data` is what the
 * store holds, sealed personal fields (`$personal`: IV, ciphertext, MAC) included, so
 * destroying a customer's key never breaks the chain. Neither the global position nor the
 * recording time is covered (an EventStoreDB append learns them only afterwards): positions
 * are covered by the signed checkpoints instead. Hashes are lower-case hex.
 */
export const GENESIS_HASH = '0'.repeat(64);

/** What the chain covers of a stored event. */
export interface ChainedEvent extends EventToAppend {
  readonly streamId: string;
  readonly revision: number;
}

/** Already as JavaScript writes an instant: most stored events, so no Date is made for them. */
const JS_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** An ISO instant as JavaScript writes it (ms precision), or the text itself if unparsable. */
export function canonicalInstant(value: string): string {
  if (JS_INSTANT.test(value)) return value;
  const instant = new Date(value);
  return Number.isNaN(instant.getTime()) ? value : instant.toISOString();
}

/**
 * RFC 8785 (JCS) canonical JSON of a JSON value: object keys sorted by UTF-16 code units,
 * strings and numbers as ECMAScript's JSON.stringify writes them (which is what JCS specifies),
 * no whitespace, undefined members left out as JSON.stringify leaves them. For values that are
 * JSON already (events as validated and stored: no toJSON, no cycles, finite numbers), it gives
 * exactly the bytes of `json-canonicalize` (a property test holds it to that library), at a third
 * of the cost: verifying the chain canonicalizes every stored event.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new RangeError(`${value} is not JSON (RFC 8785 3.2.2.3)`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let index = 0; index < value.length; index++) {
      const element: unknown = value[index];
      if (index > 0) out += ',';
      out +=
        element === undefined || typeof element === 'function' ? 'null' : canonicalJson(element);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined || typeof member === 'function') continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(member)}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * The RFC 8785 canonical JSON the chain hashes for one event: the members written out in their
 * canonical order (data, eventId, metadata, occurredAt, revision, streamId, type, version), so
 * only `data` and `metadata` go through the general serializer. A property test holds it equal
 * to canonicalizing the whole object.
 */
export function canonicalEventJson(event: ChainedEvent): string {
  return (
    `{"data":${canonicalJson(event.data)},"eventId":${JSON.stringify(event.eventId.toLowerCase())}` +
    `,"metadata":${canonicalJson(event.metadata)}` +
    `,"occurredAt":${JSON.stringify(canonicalInstant(event.occurredAt))}` +
    `,"revision":${canonicalJson(event.revision)},"streamId":${JSON.stringify(event.streamId)}` +
    `,"type":${JSON.stringify(event.type)},"version":${canonicalJson(event.version)}}`
  );
}

/** The hash of `event` following `previous` (GENESIS_HASH for a stream's first event). */
export function chainHash(previous: string, event: ChainedEvent): string {
  const canonical = canonicalEventJson(event);
  // One buffer, one-shot hash: measurably cheaper per event than a streaming Hash object.
  const bytes = Buffer.allocUnsafe(32 + Buffer.byteLength(canonical, 'utf8'));
  bytes.write(previous, 0, 32, 'hex');
  bytes.write(canonical, 32, 'utf8');
  return hash('sha256', bytes, 'hex');
}

/** Hashes of consecutive events, chained from `previous`. */
export function chainHashes(previous: string, events: readonly ChainedEvent[]): string[] {
  const hashes: string[] = [];
  for (const event of events) {
    previous = chainHash(previous, event);
    hashes.push(previous);
  }
  return hashes;
}

/**
 * What a new event chains to: the genesis for a new stream, the head's hash otherwise; null
 * when the stream's head is not chained yet (stored before the chain existed, until
 * `npm run verify -- --backfill`): then the new events are not chained either.
 */
export function previousHashOf(
  revision: number,
  headHash: string | null | undefined,
): string | null {
  if (revision < 0) return GENESIS_HASH;
  return headHash ?? null;
}
