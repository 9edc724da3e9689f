import { Logger, Provider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Environment } from '../config/environment';
import { parseMasterKeys } from '../config/master-keys';
import { StartupError } from '../config/startup-error';
import { EmbeddedDatabase } from '../postgres/embedded-database';
import { EMBEDDED_DATABASE } from '../postgres/postgres.module';
import { LocalMasterKey } from './local-master-key';
import { MASTER_KEY } from './master-key.port';

export const MASTER_KEY_FILE = 'pii-master.key';

/**
 * The master key the embedded default keeps beside its data when none is configured: made once
 * (exclusive create, owner-only), read on every later start.
 */
export function localKeyFile(folder: string): { entries: string; created: boolean } {
  mkdirSync(folder, { recursive: true });
  const path = join(folder, MASTER_KEY_FILE);
  const entries = `local-${new Date().toISOString().slice(0, 10)}:${randomBytes(32).toString('base64')}`;
  try {
    writeFileSync(path, `${entries}\n`, { flag: 'wx', mode: 0o600 });
    return { entries, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { entries: readFileSync(path, 'utf8').trim(), created: false };
  }
}

/** PII_MASTER_KEYS; or, on the embedded default outside production, a key file in DATA_DIR. */
export const masterKeyProvider: Provider = {
  provide: MASTER_KEY,
  inject: [ConfigService, EMBEDDED_DATABASE],
  useFactory: (config: ConfigService<Environment, true>, embedded: EmbeddedDatabase | null) => {
    const configured = config.get('PII_MASTER_KEYS', { infer: true });
    if (configured) return new LocalMasterKey(parseMasterKeys(configured));
    if (config.get('NODE_ENV', { infer: true }) === 'production') {
      throw new StartupError(
        'PII_MASTER_KEYS is required when NODE_ENV=production: the master key that wraps the customers\u2019 data keys (kid:base64 of 32 bytes)',
      );
    }
    // On servers, every instance must unwrap what any other wrapped: one configured key.
    if (!embedded) {
      throw new StartupError(
        'PII_MASTER_KEYS is required when the data lives on servers (DATABASE_URL, MongoDB, EventStoreDB): every instance needs the same master key (kid:base64 of 32 bytes)',
      );
    }
    const folder = embedded.folder;
    let file: { entries: string; created: boolean };
    try {
      file = localKeyFile(folder);
    } catch (error) {
      throw new StartupError(
        `cannot keep the master key in ${join(folder, MASTER_KEY_FILE)}: ${(error as Error).message}; set PII_MASTER_KEYS`,
      );
    }
    new Logger('PersonalData').warn(
      `${file.created ? 'made a master key' : 'using the master key'} in ${join(folder, MASTER_KEY_FILE)}: ` +
        'whoever reads this folder can read personal data; set PII_MASTER_KEYS from a key manager for real data',
    );
    let entries;
    try {
      entries = parseMasterKeys(file.entries);
    } catch (error) {
      throw new StartupError(`${join(folder, MASTER_KEY_FILE)} ${(error as Error).message}`);
    }
    return new LocalMasterKey(entries);
  },
};
