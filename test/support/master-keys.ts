/** A fixed master key for tests whose data lives on servers, where PII_MASTER_KEYS is required. */
export const TEST_MASTER_KEYS = `test-1:${Buffer.alloc(32, 7).toString('base64')}`;

/**
 * `environment` with PII_MASTER_KEYS set when the data lives on servers (every instance must
 * share it); the embedded default keeps its own key file in DATA_DIR.
 */
export function withMasterKeys(environment: Record<string, string>): Record<string, string> {
  const onServers =
    environment.DATABASE_URL !== undefined ||
    environment.READ_MODEL_STORE === 'mongodb' ||
    environment.EVENT_STORE === 'eventstoredb';
  return onServers && environment.PII_MASTER_KEYS === undefined
    ? { ...environment, PII_MASTER_KEYS: TEST_MASTER_KEYS }
    : environment;
}
