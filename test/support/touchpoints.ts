import { randomUUID } from 'node:crypto';

/** Valid touchpoints for e2e journeys, as a bank's systems would send them. */
export const touchpoints = {
  prospect: (customerId: string, occurredAt = '2026-01-05T09:00:00Z') => ({
    eventId: randomUUID(),
    customerId,
    type: 'ProspectCaptured',
    occurredAt,
    data: {
      channel: 'branch',
      branchId: 'BR-SH-001',
      personal: { fullName: 'Li Wei', phone: '+86 21 5555 0101' },
    },
    metadata: { sourceSystem: 'branch-crm', correlationId: randomUUID() },
  }),
  productOpened: (customerId: string, productId: string, occurredAt = '2026-01-06T10:00:00Z') => ({
    eventId: randomUUID(),
    customerId,
    type: 'ProductOpened',
    occurredAt,
    data: { productId, productType: 'current', channel: 'branch', branchId: 'BR-SH-001' },
    metadata: { sourceSystem: 'core-banking' },
  }),
  productClosed: (customerId: string, productId: string, occurredAt = '2026-02-01T10:00:00Z') => ({
    eventId: randomUUID(),
    customerId,
    type: 'ProductClosed',
    occurredAt,
    data: { productId, reason: 'customer-request' },
    metadata: { sourceSystem: 'core-banking' },
  }),
  balance: (customerId: string, productId: string, amountMinor: string, occurredAt: string) => ({
    eventId: randomUUID(),
    customerId,
    type: 'BalanceReported',
    occurredAt,
    data: { productId, balance: { amountMinor, currency: 'CNY' } },
    metadata: { sourceSystem: 'core-banking' },
  }),
  interaction: (customerId: string, occurredAt: string, version = 2) => ({
    eventId: randomUUID(),
    customerId,
    type: 'ChannelInteraction',
    version,
    occurredAt,
    data:
      version === 1
        ? { channel: 'mobile', interaction: 'login' }
        : { channel: 'mobile', interaction: 'login', initiatedBy: 'customer' },
  }),
};
