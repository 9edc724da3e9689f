import { OutboxSource, RelayCheckpoints } from './publisher.port';
import { OutboundMessage } from '../outbox/outbound-message';

/** An outbox and relay checkpoint held in memory; for tests and benchmarks. */
export class InMemoryOutbox implements OutboxSource, RelayCheckpoints {
  private readonly messages: OutboundMessage[] = [];
  private checkpoint?: string;

  /** Adds messages at the end; their sequences must keep ascending, as the real outbox's do. */
  append(...messages: readonly OutboundMessage[]): void {
    for (const message of messages) {
      const last = this.messages[this.messages.length - 1];
      if (last && message.sequence <= last.sequence) {
        throw new Error(`sequence ${message.sequence} does not follow ${last.sequence}`);
      }
      this.messages.push(message);
    }
  }

  get size(): number {
    return this.messages.length;
  }

  async readAfter(after: string | undefined, limit: number): Promise<readonly OutboundMessage[]> {
    const start = after === undefined ? 0 : this.firstAfter(after);
    return this.messages.slice(start, start + limit);
  }

  async load(): Promise<string | undefined> {
    return this.checkpoint;
  }

  async save(sequence: string): Promise<void> {
    this.checkpoint = sequence;
  }

  /** Index of the first message whose sequence is greater than `after` (binary search). */
  private firstAfter(after: string): number {
    let low = 0;
    let high = this.messages.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.messages[middle].sequence <= after) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
