/**
 * The outbound message: what the projection side derives from a read-model change and writes
 * to the outbox (outbox-messages.ts), and what publishing reads and relays downstream.
 *
 * Messages follow CloudEvents 1.0; in Kafka they travel in binary mode (ce_* headers, JSON value).
 */

export const TOPICS = {
  lifecycle: 'crm.customer-lifecycle.v1',
  valueTier: 'crm.customer-value-tier.v1',
  touchpoints: 'crm.customer-touchpoints.v1',
  /** The signed audit checkpoints (docs/auditing.md): keep them outside the bank's database. */
  auditCheckpoints: 'crm.audit-checkpoints.v1',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

export const CLOUDEVENTS_SOURCE = '/customer-lifecycle-engine';

export interface OutboundMessage {
  /** CloudEvents `id`: stable across relays and rebuilds, so consumers can de-duplicate. */
  readonly id: string;
  readonly topic: Topic;
  /**
   * Kafka key and CloudEvents `subject`: the customer id, so a customer's messages stay ordered
   * (`audit-checkpoints` for the checkpoints).
   */
  readonly customerId: string;
  /** CloudEvents `type`, e.g. "bank.crm.customer.stage-changed.v1". */
  readonly type: string;
  /** CloudEvents `time`: when the cause happened (ISO 8601, UTC). */
  readonly time: string;
  /**
   * Total order of the outbox (fixed-width, compares as a string): the feed's cursor and the
   * relay's checkpoint. Derived from the cause event's global position, so a rebuild
   * regenerates the same sequences.
   */
  readonly sequence: string;
  /** The JSON value. Never personal data (docs/architecture.md rule 9). */
  readonly data: Readonly<Record<string, unknown>>;
}
