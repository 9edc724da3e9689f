import {
  AccessDeniedError,
  AllStreamResolvedEvent,
  InvalidArgumentError,
  ReadPosition,
} from '@eventstore/db-client';
import { Logger } from '@nestjs/common';
import { UnreadableStoredEventError } from './eventstoredb-errors';
import { readFrom } from './eventstoredb-position';
import { RecordedEvent, Subscription } from './event-store.port';

/** What this needs of the client's catch-up subscription to $all (a Readable of events). */
export interface AllSubscriptionSource extends AsyncIterable<AllStreamResolvedEvent> {
  unsubscribe(): Promise<void>;
  destroy(): void;
}

export interface EventStoreDbSubscriptionOptions {
  /** Pause before resubscribing after the server dropped the subscription. */
  readonly retryDelayMs?: number;
}

const CLOSED = Symbol('closed');

/** Retrying cannot fix these: bad credentials, a bad filter, an event this adapter cannot read. */
const isPermanent = (error: unknown): boolean =>
  error instanceof UnreadableStoredEventError ||
  error instanceof AccessDeniedError ||
  error instanceof InvalidArgumentError;

/**
 * The server's catch-up subscription (history, then live) made to survive drops: when the
 * connection fails it resubscribes from the last event it delivered. The server may resend that
 * event, so anything at or before it is dropped: never a gap, never a repeat.
 */
export class EventStoreDbSubscription implements Subscription {
  private readonly logger = new Logger(EventStoreDbSubscription.name);
  private readonly retryDelayMs: number;
  private closed = false;
  private signalClosed!: () => void;
  private readonly closing = new Promise<typeof CLOSED>((resolve) => {
    this.signalClosed = () => resolve(CLOSED);
  });
  private source?: AllSubscriptionSource;

  constructor(
    private readonly open: (from: ReadPosition) => AllSubscriptionSource,
    /** The port's event, or undefined for an event that is not this engine's. */
    private readonly decode: (resolved: AllStreamResolvedEvent) => RecordedEvent | undefined,
    private after: bigint | undefined,
    options: EventStoreDbSubscriptionOptions = {},
  ) {
    this.retryDelayMs = options.retryDelayMs ?? 1000;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    while (!this.closed) {
      const source = this.open(readFrom(this.after));
      this.source = source;
      try {
        yield* this.deliver(source);
      } catch (error) {
        if (this.closed) return;
        if (isPermanent(error)) throw error;
        this.logger.warn(
          `subscription to $all dropped (${(error as Error).message}); resubscribing after position ${this.after ?? 'start'}`,
        );
      } finally {
        await this.release(source);
      }
      await this.pause();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.signalClosed();
    if (this.source) await this.release(this.source);
  }

  private async *deliver(source: AllSubscriptionSource): AsyncGenerator<RecordedEvent> {
    const events = source[Symbol.asyncIterator]();
    for (;;) {
      // Racing `closing` ends a wait for the next live event as soon as close() is called.
      const next = await Promise.race([events.next(), this.closing]);
      if (next === CLOSED || next.done) return;
      const event = this.decode(next.value);
      if (event === undefined || (this.after !== undefined && event.position <= this.after)) {
        continue;
      }
      this.after = event.position;
      yield event;
    }
  }

  /** Cancels the server call; destroying the Readable settles a read still waiting on it. */
  private async release(source: AllSubscriptionSource): Promise<void> {
    if (this.source !== source) return;
    this.source = undefined;
    await source.unsubscribe();
    source.destroy();
  }

  private async pause(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const elapsed = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.retryDelayMs);
    });
    await Promise.race([elapsed, this.closing]);
    clearTimeout(timer);
  }
}
