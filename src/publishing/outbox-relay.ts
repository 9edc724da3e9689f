import { Logger, LoggerService } from '@nestjs/common';
import { OutboxSource, Publisher, RelayCheckpoints } from './publisher.port';
import { OutboundMessage } from '../outbox/outbound-message';

export interface OutboxRelayOptions {
  /** Most messages read and published at once. */
  readonly batchSize: number;
  /** Pause when the outbox has nothing new. */
  readonly intervalMs: number;
  /** Pause after the first failed attempt, doubling per further failure up to `maxMs`. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  readonly logger?: LoggerService;
}

export interface RelayStatus {
  readonly running: boolean;
  /** The last sequence the publisher acknowledged and the checkpoint holds. */
  readonly lastSequence?: string;
  /** Messages published since this relay was created; a batch sent again counts again. */
  readonly relayed: number;
  /** Failed attempts since the last success: non-zero means the relay is stuck retrying. */
  readonly consecutiveFailures: number;
  readonly lastError?: { readonly message: string; readonly at: string };
}

interface PendingBatch {
  readonly after: string | undefined;
  readonly messages: readonly OutboundMessage[];
}

const DEFAULT_BACKOFF = { initialMs: 100, maxMs: 10_000 };

/**
 * Moves the outbox to the publisher at least once and in order (docs/architecture.md rule 7): read after
 * the checkpoint, publish, and only then advance the checkpoint. A failed batch is retried as it
 * was, after a bounded exponential backoff: nothing is skipped or reordered, and a batch the
 * publisher partly delivered reaches consumers twice, with the same message ids. Run one relay
 * per outbox: two would publish the same batches twice.
 */
export class OutboxRelay {
  private readonly backoff: { readonly initialMs: number; readonly maxMs: number };
  private readonly logger: LoggerService;
  private loop?: Promise<void>;
  private running = false;
  /** Batches run one after another, whoever asks (the loop, drain, a test). */
  private turn: Promise<unknown> = Promise.resolve();
  private readonly wakers = new Set<() => void>();
  /**
   * The batch read but not yet published and checkpointed. A retry sends exactly this batch,
   * even if the outbox has grown since: the idempotent Kafka producer then reuses its sequence
   * numbers, and the broker drops what it already stored instead of refusing a different batch
   * at the same sequence as out of order.
   */
  private pending?: PendingBatch;
  private lastSequence?: string;
  private relayed = 0;
  private failures = 0;
  private lastError?: RelayStatus['lastError'];

  constructor(
    private readonly source: OutboxSource,
    private readonly publisher: Publisher,
    private readonly checkpoints: RelayCheckpoints,
    private readonly options: OutboxRelayOptions,
  ) {
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.logger = options.logger ?? new Logger(OutboxRelay.name);
  }

  start(): void {
    if (this.loop) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Ends the loop after the batch in flight, which is published and checkpointed or failed. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakers.forEach((wake) => wake());
    await this.loop;
    this.loop = undefined;
  }

  status(): RelayStatus {
    return {
      running: this.running,
      ...(this.lastSequence === undefined ? {} : { lastSequence: this.lastSequence }),
      relayed: this.relayed,
      consecutiveFailures: this.failures,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  /**
   * One batch: resolves with the number of messages relayed (0 when there was nothing new), or
   * rejects with the publisher's or checkpoint store's error, the checkpoint left where it was.
   */
  relayOnce(): Promise<number> {
    const batch = this.turn.then(() => this.relayBatch());
    this.turn = batch.catch(() => undefined);
    return batch;
  }

  /** Relays until a read finds nothing new, retrying failures as the loop does. */
  async drain(): Promise<void> {
    for (;;) {
      const relayed = await this.relayOnce().catch(() => undefined);
      if (relayed === undefined) await this.pause(this.backoffMs());
      else if (relayed === 0) return;
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      const relayed = await this.relayOnce().catch(() => undefined);
      if (!this.running) return;
      if (relayed === undefined) await this.pause(this.backoffMs());
      else if (relayed < this.options.batchSize) await this.pause(this.options.intervalMs);
    }
  }

  private async relayBatch(): Promise<number> {
    try {
      this.pending ??= await this.read();
      const { after, messages } = this.pending;
      let last = after;
      if (messages.length > 0) {
        await this.publisher.publish(messages);
        last = messages[messages.length - 1].sequence;
        await this.checkpoints.save(last);
        this.relayed += messages.length;
      }
      this.pending = undefined;
      this.lastSequence = last;
      if (this.failures > 0) {
        this.logger.log(`outbox relay recovered after ${this.failures} failed attempts`);
      }
      this.failures = 0;
      return messages.length;
    } catch (error) {
      this.failures++;
      const message = error instanceof Error ? error.message : String(error);
      this.lastError = { message, at: new Date().toISOString() };
      const batch = this.pending
        ? `batch of ${this.pending.messages.length} after sequence ${this.pending.after ?? '(start)'}`
        : 'reading the outbox';
      this.logger.warn(`outbox relay: ${batch} failed (attempt ${this.failures}): ${message}`);
      throw error;
    }
  }

  private async read(): Promise<PendingBatch> {
    const after = await this.checkpoints.load();
    return { after, messages: await this.source.readAfter(after, this.options.batchSize) };
  }

  private backoffMs(): number {
    const { initialMs, maxMs } = this.backoff;
    return Math.min(maxMs, initialMs * 2 ** Math.max(0, this.failures - 1));
  }

  /** A pause that stop() cuts short. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }
}
