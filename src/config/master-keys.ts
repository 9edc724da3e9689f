/** `kid:base64` entries separated by commas, each key 32 bytes; the first one is current. */
const ENTRY = '[A-Za-z0-9_.-]{1,64}:[A-Za-z0-9+/_-]{43}=?';
export const MASTER_KEYS_PATTERN = new RegExp(`^${ENTRY}(?:,${ENTRY})*$`);

export interface MasterKeyEntry {
  readonly kid: string;
  readonly key: Buffer;
}

/** Parses PII_MASTER_KEYS (or the embedded key file); throws naming the rule broken. */
export function parseMasterKeys(value: string): MasterKeyEntry[] {
  if (!MASTER_KEYS_PATTERN.test(value))
    throw new Error('must be kid:base64 entries (32-byte keys) separated by commas');
  const keys = value.split(',').map((entry) => {
    const [kid, encoded] = entry.split(':');
    return { kid, key: Buffer.from(encoded, /[-_]/.test(encoded) ? 'base64url' : 'base64') };
  });
  if (keys.some(({ key }) => key.length !== 32)) throw new Error('every key must be 32 bytes');
  if (new Set(keys.map(({ kid }) => kid)).size !== keys.length)
    throw new Error('key ids must differ');
  return keys;
}
