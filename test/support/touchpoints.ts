import { randomUUID } from 'node:crypto';

/** Valid touchpoints for e2e journeys, as a bank's systems would send them. */
export const touchpoints = {
  prospect: (customerId: string, occurredAt = '2026-01-05T09:00:00Z') => ({
    eventId: randomUUID(),
    customerId,
    type: 'ProspectCaptured',
    occurredAt,
    data: {
      source: 'branch-walk-in',
      channel: 'branch',
      branchId: 'BR-SH-001',
      fullName: 'Li Wei',
      phone: '+862155550101',
    },
    metadata: { sourceSystem: 'branch-crm', correlationId: randomUUID() },
  }),
  productOpened: (
    customerId: string,
    accountId: string,
    occurredAt = '2026-01-06T10:00:00Z',
    productType = 'current',
  ) => ({
    eventId: randomUUID(),
    customerId,
    type: 'ProductOpened',
    occurredAt,
    data: {
      accountId,
      productType,
      productCode: `${productType.toUpperCase()}-STD`,
      currency: 'CNY',
      channel: 'branch',
      branchId: 'BR-SH-001',
    },
    metadata: { sourceSystem: 'core-banking' },
  }),
  productClosed: (customerId: string, accountId: string, occurredAt = '2026-02-01T10:00:00Z') => ({
    eventId: randomUUID(),
    customerId,
    type: 'ProductClosed',
    occurredAt,
    data: { accountId, reason: 'customer-request' },
    metadata: { sourceSystem: 'core-banking' },
  }),
  balance: (customerId: string, accountId: string, balanceMinor: string, occurredAt: string) => ({
    eventId: randomUUID(),
    customerId,
    type: 'BalanceReported',
    occurredAt,
    data: { accountId, balanceMinor, currency: 'CNY' },
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
        ? { channel: 'mobile', purpose: 'login' }
        : { channel: 'mobile', purpose: 'login', outcome: 'completed' },
  }),
  rmAssigned: (customerId: string, rmId: string, occurredAt: string) => ({
    eventId: randomUUID(),
    customerId,
    type: 'RelationshipManagerAssigned',
    occurredAt,
    data: { rmId, branchId: 'BR-SH-001', reason: 'onboarding' },
  }),
  consent: (customerId: string, purpose: string, granted: boolean, occurredAt: string) => ({
    eventId: randomUUID(),
    customerId,
    type: 'ConsentChanged',
    occurredAt,
    data: { purpose, granted, channel: 'mobile' },
  }),
};
