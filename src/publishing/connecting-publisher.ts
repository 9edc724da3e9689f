import { Publisher } from './publisher.port';

/** Failed publishes in a row after which the producer is replaced by a fresh one. */
const FAILURES_BEFORE_RECONNECT = 5;

/**
 * Connects on first use and again after a failed connection, so a broker that is down when the
 * service starts delays publishing (the relay retries) instead of stopping ingest. A producer
 * that keeps failing is replaced: an idempotent producer can get stuck for good (an expired
 * producer id, a sequence the broker refuses), and only a new one recovers. Its first batch may
 * then repeat messages, which their stable ids let consumers drop.
 */
export class ConnectingPublisher implements Publisher {
  private connected?: Promise<Publisher>;
  private failures = 0;

  constructor(private readonly connect: () => Promise<Publisher>) {}

  async publish(messages: Parameters<Publisher['publish']>[0]): Promise<void> {
    this.connected ??= this.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    const publisher = await this.connected;
    try {
      await publisher.publish(messages);
      this.failures = 0;
    } catch (error) {
      if (++this.failures >= FAILURES_BEFORE_RECONNECT) {
        this.failures = 0;
        this.connected = undefined;
        await publisher.close().catch(() => undefined);
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    const publisher = await this.connected?.catch(() => undefined);
    await publisher?.close();
  }
}
