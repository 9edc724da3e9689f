import { randomUUID } from 'node:crypto';
import { touchpoint } from '../../projections/testing/touchpoints';
import { EventToAppend, RecordedEvent, Subscription } from '../../src/event-store/event-store.port';

/** An event to append: the typed touchpoint builder's event, with metadata, then `overrides`. */
export function anEvent(overrides: Partial<EventToAppend> = {}): EventToAppend {
  return {
    ...touchpoint(
      'ChannelInteraction',
      '2026-03-01T09:30:00.000Z',
      { channel: 'mobile', amountMinor: '12345678901234567890', note: 'Grüße, 你好' },
      1,
      randomUUID(),
    ),
    metadata: { correlationId: randomUUID(), sourceSystem: 'contract-test' },
    ...overrides,
  };
}

export const events = (count: number): EventToAppend[] =>
  Array.from({ length: count }, () => anEvent());

export const uniqueStream = (): string => `customer-${randomUUID()}`;

/** Collects events from a subscription until `until` holds or the time runs out. */
export async function collect(
  subscription: Subscription,
  until: (seen: readonly RecordedEvent[]) => boolean,
  timeoutMs = 20_000,
): Promise<RecordedEvent[]> {
  const seen: RecordedEvent[] = [];
  const timer = setTimeout(() => void subscription.close(), timeoutMs);
  try {
    if (until(seen)) return seen;
    for await (const event of subscription) {
      seen.push(event);
      if (until(seen)) break;
    }
  } finally {
    clearTimeout(timer);
    await subscription.close();
  }
  return seen;
}
