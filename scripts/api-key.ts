/**
 * Makes an API key: `npm run api-key -- --name crm-gateway --roles ingest[+read...]`. Prints the
 * key (give it to the caller, once; it is not stored anywhere) and the API_KEYS entry holding
 * only its SHA-256 hash (append it to the service's API_KEYS, comma-separated).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { API_KEYS_PATTERN, hashApiKey, ROLES } from '../src/security/api-keys';

function main(): void {
  const { values } = parseArgs({
    options: { name: { type: 'string' }, roles: { type: 'string' } },
  });
  const { name, roles } = values;
  const key = `cle_${randomBytes(32).toString('base64url')}`;
  const entry = `${name}:${roles}:${hashApiKey(key)}`;
  if (!name || !roles || !API_KEYS_PATTERN.test(entry)) {
    process.stderr.write(
      `usage: npm run api-key -- --name <1-64 of A-Z a-z 0-9 _ . -> --roles <${ROLES.join('|')}>[+<role>...]\n`,
    );
    process.exit(2);
  }
  process.stdout.write(`key (give to the caller; shown once): ${key}\nAPI_KEYS entry: ${entry}\n`);
}

main();
