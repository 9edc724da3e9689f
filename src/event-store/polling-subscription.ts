import { RecordedEvent, Subscription } from './event-store.port';

const PAGE_SIZE = 500;
/** Fallback wake-up when no notification arrives (e.g. an older transaction finished elsewhere). */
const IDLE_POLL_MS = 250;

type ReadPage = (after: bigint | undefined, maxCount: number) => Promise<RecordedEvent[]>;
type Listen = (onAppend: () => void) => Promise<() => Promise<void>>;

/**
 * Catch-up subscription built on `readAll`: pages through history, then waits for an append
 * notification (or the idle poll) and reads again. Each event is yielded once, in position order.
 */
export class PollingSubscription implements Subscription {
  private closed = false;
  private wake?: () => void;
  private notified = false;

  constructor(
    private readonly readPage: ReadPage,
    private readonly listen: Listen,
    private after: bigint | undefined,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    const unlisten = await this.listen(() => this.signal());
    try {
      while (!this.closed) {
        this.notified = false;
        const page = await this.readPage(this.after, PAGE_SIZE);
        for (const event of page) {
          if (this.closed) return;
          this.after = event.position;
          yield event;
        }
        if (page.length < PAGE_SIZE) await this.idle();
      }
    } finally {
      await unlisten();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.signal();
  }

  private signal(): void {
    this.notified = true;
    this.wake?.();
  }

  private idle(): Promise<void> {
    if (this.notified || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, IDLE_POLL_MS);
      this.wake = done;
    });
  }
}
