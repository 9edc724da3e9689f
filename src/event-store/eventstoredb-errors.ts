/**
 * An event in this engine's EventStoreDB streams that cannot be given to the port as it is: not
 * written by this adapter, or without a log position of its own. Retrying cannot help, so
 * subscriptions stop on it instead of reconnecting.
 */
export class UnreadableStoredEventError extends Error {
  constructor(
    readonly streamName: string,
    readonly revision: bigint,
    reason: string,
  ) {
    super(`EventStoreDB event ${streamName}@${revision}: ${reason}`);
    this.name = 'UnreadableStoredEventError';
  }
}
