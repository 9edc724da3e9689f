import { Publisher } from './publisher.port';
import { OutboundMessage } from '../outbox/outbound-message';

export interface Failure {
  readonly error?: Error;
  /** Messages of the batch delivered before the failure, as a broker may take part of a batch. */
  readonly afterDelivering?: number;
}

/** Keeps what it is given, in order; for unit tests. Can be told to fail the next publishes. */
export class InMemoryPublisher implements Publisher {
  private readonly delivered: OutboundMessage[] = [];
  private readonly failures: Failure[] = [];
  private closed = false;

  /** Every message delivered so far, duplicates included, in delivery order. */
  get messages(): readonly OutboundMessage[] {
    return this.delivered;
  }

  /** The next `times` calls to publish reject (after delivering part of the batch, if asked). */
  failNext(times: number, failure: Failure = {}): void {
    for (let i = 0; i < times; i++) this.failures.push(failure);
  }

  async publish(messages: readonly OutboundMessage[]): Promise<void> {
    if (this.closed) throw new Error('publisher is closed');
    const failure = this.failures.shift();
    if (failure) {
      this.delivered.push(...messages.slice(0, failure.afterDelivering ?? 0));
      throw failure.error ?? new Error('publisher unavailable');
    }
    this.delivered.push(...messages);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
