/**
 * Test support for the projection specs (and the app's tests): terse builders for touchpoints
 * and a fold that plays the scheduler's part, appending due threshold events on the way.
 */
import retailBankV1 from '../../policy/retail-bank.v1.json';
import { type CustomerState, initialCustomerState } from '../customer-state';
import type { ProjectionEvent } from '../event';
import { type Policy, parsePolicy } from '../policy';
import { projectCustomer } from '../project-customer';
import { dueThresholdEvents } from '../thresholds';
import { touchpoint } from './touchpoints';

export { touchpoint } from './touchpoints';

export const POLICY: Policy = parsePolicy(retailBankV1);

export const CUSTOMER_ID = 'customer-1';

export function day(n: number, base = '2024-01-01T09:00:00.000Z'): string {
  return new Date(Date.parse(base) + n * 86_400_000).toISOString();
}

/** Folds events; with `schedulerUntil`, due thresholds are appended before each event and at the end. */
export function play(
  events: readonly ProjectionEvent[],
  options: {
    readonly from?: CustomerState;
    readonly policy?: Policy;
    readonly schedulerUntil?: string;
  } = {},
): { readonly state: CustomerState; readonly thresholds: ProjectionEvent[] } {
  const policy = options.policy ?? POLICY;
  let state = options.from ?? initialCustomerState(CUSTOMER_ID);
  const thresholds: ProjectionEvent[] = [];
  const schedule = (now: string): void => {
    if (options.schedulerUntil === undefined) return;
    for (
      let [due] = dueThresholdEvents(state, policy, now);
      due !== undefined;
      [due] = dueThresholdEvents(state, policy, now)
    ) {
      thresholds.push(due);
      state = projectCustomer(state, due, policy);
    }
  };
  for (const event of events) {
    schedule(event.occurredAt);
    state = projectCustomer(state, event, policy);
  }
  if (options.schedulerUntil !== undefined) schedule(options.schedulerUntil);
  return { state, thresholds };
}

/** A prospect who became a funded, KYC-verified current-account customer on `at`. */
export function onboarded(
  at: string,
  balanceMinor = '1000000',
  accountId = 'CUR-1',
): ProjectionEvent[] {
  return [
    touchpoint('ProspectCaptured', at, {
      source: 'website',
      channel: 'web',
      fullName: 'A. Customer',
    }),
    touchpoint('KycVerified', at, {
      method: 'video',
      level: 'standard',
      documentType: 'passport',
      documentNumber: 'X1234567',
      expiresAt: '2030-01-01T00:00:00.000Z',
    }),
    touchpoint('ProductOpened', at, {
      accountId,
      productType: 'current',
      productCode: 'CUR-STD',
      currency: 'CNY',
      channel: 'mobile',
    }),
    touchpoint('BalanceReported', at, { accountId, balanceMinor, currency: 'CNY' }),
  ];
}

export function opened(
  at: string,
  accountId: string,
  productType: string,
  currency = 'CNY',
  channel = 'branch',
): ProjectionEvent {
  return touchpoint('ProductOpened', at, {
    accountId,
    productType,
    productCode: `${productType}-X`,
    currency,
    channel,
  });
}

export function balance(
  at: string,
  accountId: string,
  balanceMinor: string,
  currency = 'CNY',
): ProjectionEvent {
  return touchpoint('BalanceReported', at, { accountId, balanceMinor, currency });
}

export function spend(at: string, accountId = 'CUR-1'): ProjectionEvent {
  return touchpoint('TransactionPosted', at, {
    transactionId: `T-${at}`,
    accountId,
    direction: 'debit',
    amountMinor: '5000',
    currency: 'CNY',
    category: 'card-spend',
    initiator: 'customer',
    channel: 'mobile',
  });
}
