/**
 * The publisher port: relays messages derived from the read-model change (the outbox) to
 * downstream systems. Every adapter (in-memory for unit tests, Kafka) implements this and
 * passes test/contract/publisher.contract.ts.
 *
 * Messages follow CloudEvents 1.0; in Kafka they travel in binary mode (ce_* headers, JSON value).
 */

import { OutboundMessage } from '../outbox/outbound-message';

// The message type and topics live in src/outbox/ (the engine writes them, publishing reads them);
// re-exported here for callers not moved yet (bench/).
export { CLOUDEVENTS_SOURCE, TOPICS } from '../outbox/outbound-message';
export type { OutboundMessage, Topic } from '../outbox/outbound-message';

export interface Publisher {
  /**
   * Resolves once every message is durably acknowledged downstream; messages of one customer
   * are delivered in the order given. Rejects if any message may not have been delivered: the
   * caller retries the whole batch (at-least-once; `id` lets consumers drop duplicates).
   */
  publish(messages: readonly OutboundMessage[]): Promise<void>;
  close(): Promise<void>;
}

export const PUBLISHER = Symbol('Publisher');

/** Where the relay reads the outbox from (the read-model store in the service). */
export interface OutboxSource {
  /**
   * Messages with `sequence` greater than `after` (all when undefined), ascending, at most
   * `limit`, and only those whose read-model change is committed (never one that a crash
   * could still reorder).
   */
  readAfter(after: string | undefined, limit: number): Promise<readonly OutboundMessage[]>;
}

/** The relay's own checkpoint: the last sequence the publisher acknowledged. */
export interface RelayCheckpoints {
  load(): Promise<string | undefined>;
  save(sequence: string): Promise<void>;
}
