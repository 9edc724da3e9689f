/** A fixed master key for tests whose data lives on servers, where PII_MASTER_KEYS is required. */
export const TEST_MASTER_KEYS = `test-1:${Buffer.alloc(32, 7).toString('base64')}`;

/** A fixed Ed25519 checkpoint signing key for tests on servers: PKCS#8 DER of a fixed seed. */
export const TEST_AUDIT_SIGNING_KEY = Buffer.concat([
  Buffer.from('302e020100300506032b657004220420', 'hex'),
  Buffer.alloc(32, 9),
]).toString('base64');

/**
 * `environment` with PII_MASTER_KEYS set when the data lives on servers (every instance must
 * share it); the embedded default keeps its own key file in DATA_DIR.
 */
export function withMasterKeys(environment: Record<string, string>): Record<string, string> {
  const onServers =
    environment.DATABASE_URL !== undefined ||
    environment.READ_MODEL_STORE === 'mongodb' ||
    environment.EVENT_STORE === 'eventstoredb';
  if (!onServers) return environment;
  return {
    ...environment,
    PII_MASTER_KEYS: environment.PII_MASTER_KEYS ?? TEST_MASTER_KEYS,
    AUDIT_SIGNING_KEY: environment.AUDIT_SIGNING_KEY ?? TEST_AUDIT_SIGNING_KEY,
  };
}
