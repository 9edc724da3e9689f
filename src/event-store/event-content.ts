import { createHash } from 'node:crypto';
import { canonicalInstant, canonicalJson } from './hash-chain';

/**
 * The reserved key of sealed personal data (SEALED_PERSONAL_DATA of the catalog); the store
 * knows only that its `mac` stands for its content.
 */
const SEALED = '$personal';

/** What makes two events with one id the same event: everything but metadata and positions. */
export interface EventContent {
  readonly type: string;
  readonly version: number;
  readonly occurredAt: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * A fingerprint of an event's content: SHA-256 of its RFC 8785 (JCS) canonical JSON, so key
 * order, number spelling and `...Z` vs `...000Z` do not matter. Resending an event id with the
 * same content is a duplicate; with other content it is refused (`event-id-reused`). Metadata
 * is left out: a resend may carry another correlation id and is still the same fact.
 */
export function contentKeyOf({ type, version, occurredAt, data }: EventContent): string {
  // Sealed personal fields (src/privacy) count by their keyed digest: the IV differs per write.
  const sealed = data[SEALED] as { mac?: unknown } | undefined;
  if (sealed && typeof sealed === 'object' && typeof sealed.mac === 'string')
    data = { ...data, [SEALED]: sealed.mac };
  const canonical = canonicalJson({
    type,
    version,
    occurredAt: canonicalInstant(occurredAt),
    data,
  });
  return createHash('sha256').update(canonical).digest('base64url');
}
