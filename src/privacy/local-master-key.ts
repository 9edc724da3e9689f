import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { MasterKeyEntry } from '../config/master-keys';
import { MasterKey, MasterKeyUnavailableError, WrappedDataKey } from './master-key.port';

const TAG_BYTES = 16;
const aad = (customerId: string) => Buffer.from(`cle/data-key/v1\u0000${customerId}`);

/**
 * Master keys held by the process (PII_MASTER_KEYS, or a key file the embedded default made):
 * AES-256-GCM key wrapping, the customer id as additional authenticated data. A cloud KMS
 * adapter implements the same port.
 */
export class LocalMasterKey implements MasterKey {
  private readonly keys: ReadonlyMap<string, Buffer>;
  readonly currentKid: string;

  constructor(keys: readonly MasterKeyEntry[]) {
    if (keys.length === 0) throw new Error('at least one master key is needed');
    this.keys = new Map(keys.map(({ kid, key }) => [kid, key]));
    this.currentKid = keys[0].kid;
  }

  async wrap(customerId: string, dataKey: Buffer): Promise<WrappedDataKey> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentKid)!, iv);
    cipher.setAAD(aad(customerId));
    const sealed = Buffer.concat([iv, cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]);
    return { kid: this.currentKid, wrapped: sealed.toString('base64url') };
  }

  async unwrap(customerId: string, { kid, wrapped }: WrappedDataKey): Promise<Buffer> {
    const key = this.keys.get(kid);
    if (!key)
      throw new MasterKeyUnavailableError(
        `master key ${kid} is not configured (PII_MASTER_KEYS): data keys it wrapped cannot be read`,
      );
    const sealed = Buffer.from(wrapped, 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
      decipher.setAAD(aad(customerId));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(sealed.subarray(12, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new MasterKeyUnavailableError(
        `the data key of customer ${customerId} does not unwrap under master key ${kid}: altered or copied from another customer`,
      );
    }
  }
}
