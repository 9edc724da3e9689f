import { randomUUID } from 'node:crypto';
import { touchpoint } from '../../projections/testing/touchpoints';
import type { TouchpointType, TouchpointVersion } from '../../projections/touchpoint-types';

/** The one typed touchpoint builder (projections/testing/touchpoints.ts), for suites here. */
export { touchpoint } from '../../projections/testing/touchpoints';

/**
 * A touchpoint as a producer sends it to the ingest (an HTTP body, a Kafka record's value): the
 * typed touchpoint with a random UUID, for `customerId`. `version` is sent only when given (the
 * ingest takes the type's latest when it is absent); add `metadata` by spreading.
 */
export function touchpointBody<
  T extends TouchpointType,
  D extends Readonly<Record<string, unknown>>,
>(customerId: string, type: T, occurredAt: string, data: D, version?: TouchpointVersion<T>) {
  const event = touchpoint(type, occurredAt, data, version, randomUUID());
  return {
    eventId: event.eventId,
    customerId,
    type,
    ...(version === undefined ? {} : { version }),
    occurredAt: event.occurredAt,
    data,
  };
}

/** Valid touchpoints for e2e journeys, as a bank's systems would send them. */
export const touchpoints = {
  prospect: (customerId: string, occurredAt = '2026-01-05T09:00:00Z') => ({
    ...touchpointBody(customerId, 'ProspectCaptured', occurredAt, {
      source: 'branch-walk-in',
      channel: 'branch',
      branchId: 'BR-SH-001',
      fullName: 'Li Wei',
      phone: '+862155550101',
    }),
    metadata: { sourceSystem: 'branch-crm', correlationId: randomUUID() },
  }),
  productOpened: (
    customerId: string,
    accountId: string,
    occurredAt = '2026-01-06T10:00:00Z',
    productType = 'current',
  ) => ({
    ...touchpointBody(customerId, 'ProductOpened', occurredAt, {
      accountId,
      productType,
      productCode: `${productType.toUpperCase()}-STD`,
      currency: 'CNY',
      channel: 'branch',
      branchId: 'BR-SH-001',
    }),
    metadata: { sourceSystem: 'core-banking' },
  }),
  productClosed: (customerId: string, accountId: string, occurredAt = '2026-02-01T10:00:00Z') => ({
    ...touchpointBody(customerId, 'ProductClosed', occurredAt, {
      accountId,
      reason: 'customer-request',
    }),
    metadata: { sourceSystem: 'core-banking' },
  }),
  balance: (customerId: string, accountId: string, balanceMinor: string, occurredAt: string) => ({
    ...touchpointBody(customerId, 'BalanceReported', occurredAt, {
      accountId,
      balanceMinor,
      currency: 'CNY',
    }),
    metadata: { sourceSystem: 'core-banking' },
  }),
  interaction: (
    customerId: string,
    occurredAt: string,
    version: TouchpointVersion<'ChannelInteraction'> = 2,
  ) =>
    touchpointBody(
      customerId,
      'ChannelInteraction',
      occurredAt,
      version === 1
        ? { channel: 'mobile', purpose: 'login' }
        : { channel: 'mobile', purpose: 'login', outcome: 'completed' },
      version,
    ),
  rmAssigned: (customerId: string, rmId: string, occurredAt: string) =>
    touchpointBody(customerId, 'RelationshipManagerAssigned', occurredAt, {
      rmId,
      branchId: 'BR-SH-001',
      reason: 'onboarding',
    }),
  consent: (customerId: string, purpose: string, granted: boolean, occurredAt: string) =>
    touchpointBody(customerId, 'ConsentChanged', occurredAt, {
      purpose,
      granted,
      channel: 'mobile',
    }),
};
