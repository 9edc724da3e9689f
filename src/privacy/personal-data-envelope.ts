/**
 * The encrypted part of an event: the fields its schema marks @PersonalData(), sealed under the
 * customer's data key with AES-256-GCM (Node's crypto). The event keeps the behavioural fields in
 * plain `data`, and the personal ones under one reserved key, `data.$personal`:
 *
 *   { "v": 1, "alg": "A256GCM", "fields": ["email", "fullName"], "iv": "...", "ct": "...", "mac": "..." }
 *
 * - `iv`: a fresh random 96-bit IV per event.
 * - `ct`: ciphertext and the 128-bit tag of the canonical JSON (RFC 8785) of the fields.
 * - Additional authenticated data: the customer id, event id, type, version and field names, so
 *   a ciphertext moved onto another customer, event or type does not decrypt.
 * - `fields`: the names (never values), so an erased event can still say which fields it held.
 * - `mac`: HMAC-SHA-256 of the plaintext under a key derived from the data key (HKDF): equal for
 *   equal content, so a resent touchpoint is told a duplicate without decrypting, and useless
 *   once the key is shredded.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { canonicalize } from 'json-canonicalize';
import { SEALED_PERSONAL_DATA } from '../domain/touchpoints';

export { SEALED_PERSONAL_DATA };

export interface PersonalDataEnvelope {
  readonly v: 1;
  readonly alg: 'A256GCM';
  readonly fields: readonly string[];
  readonly iv: string;
  readonly ct: string;
  readonly mac: string;
}

/** What binds a ciphertext to its place: a copy elsewhere fails authentication. */
export interface EnvelopeContext {
  readonly customerId: string;
  readonly eventId: string;
  readonly type: string;
  readonly version: number;
}

export class EnvelopeIntegrityError extends Error {
  constructor(context: EnvelopeContext) {
    super(
      `the encrypted personal data of event ${context.eventId} does not authenticate for customer ${context.customerId}: it was altered or copied from another record`,
    );
    this.name = 'EnvelopeIntegrityError';
  }
}

const TAG_BYTES = 16;
const macKey = (dataKey: Buffer) =>
  Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'cle/personal-data/mac/v1', 32));

const aad = (context: EnvelopeContext, fields: readonly string[]) =>
  Buffer.from(
    canonicalize([
      'cle/personal-data/v1',
      context.customerId,
      context.eventId.toLowerCase(),
      context.type,
      context.version,
      fields,
    ]),
  );

/** Splits `data` into its plain part and the sealed personal fields (absent when none is set). */
export function seal(
  data: Readonly<Record<string, unknown>>,
  personalFields: readonly string[],
  dataKey: Buffer,
  context: EnvelopeContext,
): Record<string, unknown> {
  const fields = personalFields.filter((field) => data[field] !== undefined).sort();
  if (fields.length === 0) return { ...data };
  const plain: Record<string, unknown> = {};
  const personal: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(data)) {
    if (fields.includes(field)) personal[field] = value;
    else plain[field] = value;
  }
  const plaintext = Buffer.from(canonicalize(personal));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  cipher.setAAD(aad(context, fields));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  const envelope: PersonalDataEnvelope = {
    v: 1,
    alg: 'A256GCM',
    fields,
    iv: iv.toString('base64url'),
    ct: ct.toString('base64url'),
    mac: createHmac('sha256', macKey(dataKey)).update(plaintext).digest('base64url'),
  };
  return { ...plain, [SEALED_PERSONAL_DATA]: envelope };
}

function withoutEnvelope(data: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const plain = { ...data };
  delete plain[SEALED_PERSONAL_DATA];
  return plain;
}

/** The envelope of an event's data, if it holds one. */
export function envelopeOf(
  data: Readonly<Record<string, unknown>>,
): PersonalDataEnvelope | undefined {
  const envelope = data[SEALED_PERSONAL_DATA] as PersonalDataEnvelope | undefined;
  return envelope && typeof envelope === 'object' && envelope.alg === 'A256GCM'
    ? envelope
    : undefined;
}

/** `data` with its personal fields decrypted in place; throws EnvelopeIntegrityError if altered. */
export function open(
  data: Readonly<Record<string, unknown>>,
  dataKey: Buffer,
  context: EnvelopeContext,
): Record<string, unknown> {
  const envelope = envelopeOf(data);
  const plain = withoutEnvelope(data);
  if (!envelope) return plain;
  let personal: Record<string, unknown>;
  try {
    const ct = Buffer.from(envelope.ct, 'base64url');
    const decipher = createDecipheriv(
      'aes-256-gcm',
      dataKey,
      Buffer.from(envelope.iv, 'base64url'),
    );
    decipher.setAAD(aad(context, envelope.fields));
    decipher.setAuthTag(ct.subarray(ct.length - TAG_BYTES));
    const plaintext = Buffer.concat([
      decipher.update(ct.subarray(0, ct.length - TAG_BYTES)),
      decipher.final(),
    ]);
    personal = JSON.parse(plaintext.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new EnvelopeIntegrityError(context);
  }
  return { ...plain, ...personal };
}

/** `data` with each sealed field replaced by `marker` (erased, or unreadable). */
export function withMarkers(
  data: Readonly<Record<string, unknown>>,
  marker: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const envelope = envelopeOf(data);
  const plain = withoutEnvelope(data);
  if (!envelope) return plain;
  return {
    ...plain,
    ...Object.fromEntries(envelope.fields.map((field) => [field, { ...marker }])),
  };
}
