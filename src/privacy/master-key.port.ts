/**
 * The key-encryption key, in the shape of a cloud KMS: data keys are only ever stored wrapped by
 * it. `wrap` binds the wrapped key to its customer, so a wrapped key copied onto another
 * customer's record does not unwrap.
 */
export interface WrappedDataKey {
  /** Which master key wrapped it. */
  readonly kid: string;
  /** base64url of the wrapped key. */
  readonly wrapped: string;
}

export interface MasterKey {
  /** The key id new wraps use. */
  readonly currentKid: string;
  wrap(customerId: string, dataKey: Buffer): Promise<WrappedDataKey>;
  /** Throws MasterKeyUnavailableError when the key id is unknown or cannot be reached. */
  unwrap(customerId: string, key: WrappedDataKey): Promise<Buffer>;
}

export const MASTER_KEY = Symbol('MasterKey');

export class MasterKeyUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyUnavailableError';
  }
}
