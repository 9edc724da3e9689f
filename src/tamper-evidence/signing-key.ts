import { Logger, Provider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Environment } from '../config/environment';
import { StartupError } from '../config/startup-error';
import { EmbeddedDatabase } from '../postgres/embedded-database';
import { EMBEDDED_DATABASE } from '../postgres/postgres.module';
import { signingKeyId } from './checkpoint';

export const SIGNING_KEY_FILE = 'audit-signing.key';

/** The Ed25519 key the engine signs its checkpoints with, and its public half for verifiers. */
export interface CheckpointSigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly keyId: string;
  /** The public key as PEM (SPKI), for whoever keeps the checkpoints outside. */
  readonly publicKeyPem: string;
}

export const CHECKPOINT_SIGNING_KEY = Symbol('CheckpointSigningKey');

/** A PKCS#8 Ed25519 private key, as PEM or as the base64 of its DER; throws naming the rule. */
export function parseSigningKey(text: string): CheckpointSigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = text.includes('-----BEGIN')
      ? createPrivateKey(text)
      : createPrivateKey({ key: Buffer.from(text.trim(), 'base64'), format: 'der', type: 'pkcs8' });
  } catch {
    throw new Error('must be a PKCS#8 private key, as PEM or base64 DER');
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('must be an Ed25519 key');
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKey,
    keyId: signingKeyId(publicKey),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

/** The key file the embedded default keeps in DATA_DIR: made once (exclusive, owner-only). */
function localKeyFile(folder: string): { pem: string; created: boolean } {
  mkdirSync(folder, { recursive: true });
  const path = join(folder, SIGNING_KEY_FILE);
  const pem = generateKeyPairSync('ed25519')
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();
  try {
    writeFileSync(path, pem, { flag: 'wx', mode: 0o600 });
    return { pem, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { pem: readFileSync(path, 'utf8'), created: false };
  }
}

/**
 * AUDIT_SIGNING_KEY; or, on the embedded default outside production, a key file in DATA_DIR
 * (like the personal-data master key). On servers every instance must sign with one key.
 */
export const signingKeyProvider: Provider = {
  provide: CHECKPOINT_SIGNING_KEY,
  inject: [ConfigService, EMBEDDED_DATABASE],
  useFactory: (
    config: ConfigService<Environment, true>,
    embedded: EmbeddedDatabase | null,
  ): CheckpointSigningKey => {
    const configured = config.get('AUDIT_SIGNING_KEY', { infer: true });
    if (configured) {
      try {
        return parseSigningKey(configured);
      } catch (error) {
        throw new StartupError(`AUDIT_SIGNING_KEY ${(error as Error).message}`);
      }
    }
    if (config.get('NODE_ENV', { infer: true }) === 'production') {
      throw new StartupError(
        'AUDIT_SIGNING_KEY is required when NODE_ENV=production: the Ed25519 key (PKCS#8 PEM or base64 DER) that signs the audit checkpoints',
      );
    }
    if (!embedded) {
      throw new StartupError(
        'AUDIT_SIGNING_KEY is required when the data lives on servers (DATABASE_URL, MongoDB, EventStoreDB): every instance signs checkpoints with the same Ed25519 key (PKCS#8 PEM or base64 DER)',
      );
    }
    const path = join(embedded.folder, SIGNING_KEY_FILE);
    let file: { pem: string; created: boolean };
    try {
      file = localKeyFile(embedded.folder);
    } catch (error) {
      throw new StartupError(
        `cannot keep the checkpoint signing key in ${path}: ${(error as Error).message}; set AUDIT_SIGNING_KEY`,
      );
    }
    try {
      const key = parseSigningKey(file.pem);
      new Logger('AuditCheckpoints').warn(
        `${file.created ? 'made a checkpoint signing key' : 'using the checkpoint signing key'} in ${path} (key id ${key.keyId}): ` +
          'whoever reads this folder can sign checkpoints; set AUDIT_SIGNING_KEY from a key manager for real data',
      );
      return key;
    } catch (error) {
      throw new StartupError(`${path} ${(error as Error).message}`);
    }
  },
};
