import { randomUUID } from 'node:crypto';
import { OutboundMessage, TOPICS } from '../../src/outbox/outbound-message';

/** Ascending across the test process, as outbox sequences are. */
let nextSequence = BigInt(Date.now()) * 1000n;
const sequence = () => (nextSequence++).toString().padStart(21, '0');

const MOVES = {
  stage: {
    topic: TOPICS.lifecycle,
    type: 'bank.crm.customer.stage-changed.v1',
    at: '2026-01-06T10:00:00.000Z',
    eventType: 'ProductOpened',
  },
  tier: {
    topic: TOPICS.valueTier,
    type: 'bank.crm.customer.value-tier-changed.v1',
    at: '2026-01-07T00:00:00.000Z',
    eventType: 'BalanceReported',
  },
} as const;

/** A stage or tier change, as outbox-messages.ts shapes it. */
function move(
  customerId: string,
  kind: keyof typeof MOVES,
  from: string | null,
  to: string,
  extra: Record<string, unknown>,
): OutboundMessage {
  const { topic, type, at, eventType } = MOVES[kind];
  const cause = randomUUID();
  return {
    id: `${cause}:${kind}`,
    topic,
    customerId,
    type,
    time: at,
    sequence: sequence(),
    data: {
      customerId,
      from,
      to,
      ...extra,
      at,
      cause: { eventId: cause, eventType },
      policyVersion: 'retail-bank.v1',
    },
  };
}

/** Outbox messages shaped as the projection engine writes them (no personal data). */
export const outbound = {
  touchpoint: (customerId: string, n = 0): OutboundMessage => {
    const eventId = randomUUID();
    const occurredAt = new Date(Date.UTC(2026, 0, 5, 9, 0, n)).toISOString();
    return {
      id: eventId,
      topic: TOPICS.touchpoints,
      customerId,
      type: 'bank.crm.touchpoint.BalanceReported.v1',
      time: occurredAt,
      sequence: sequence(),
      data: {
        customerId,
        eventId,
        touchpointType: 'BalanceReported',
        schemaVersion: 1,
        occurredAt,
        recordedAt: new Date().toISOString(),
        data: { accountId: 'SAV-1', balanceMinor: String(1_000_000 + n), currency: 'CNY' },
      },
    };
  },
  stageChanged: (customerId: string, from: string | null, to: string): OutboundMessage =>
    move(customerId, 'stage', from, to, { highestStage: to }),
  tierChanged: (customerId: string, from: string | null, to: string): OutboundMessage =>
    move(customerId, 'tier', from, to, {}),
};

export const uniqueCustomers = (count: number): string[] =>
  Array.from({ length: count }, () => `c-${randomUUID()}`);

/**
 * `perCustomer` messages for each customer, interleaved round-robin as the outbox interleaves
 * customers; every fourth one is a stage change, on its own topic.
 */
export function interleaved(customers: readonly string[], perCustomer: number): OutboundMessage[] {
  const messages: OutboundMessage[] = [];
  for (let n = 0; n < perCustomer; n++) {
    for (const customer of customers) {
      messages.push(
        n % 4 === 3
          ? outbound.stageChanged(customer, 'onboarding', 'active')
          : outbound.touchpoint(customer, n),
      );
    }
  }
  return messages;
}
