import fc from 'fast-check';
import { type CustomerState, initialCustomerState } from './customer-state';
import type { ProjectionEvent } from './event';
import { projectCustomer } from './project-customer';
import { dueThresholdEvents } from './thresholds';
import { POLICY } from './testing/scenario';
import { touchpoint } from './testing/touchpoints';
import type { TouchpointType } from './touchpoint-types';

const START = Date.parse('2023-01-01T00:00:00.000Z');
const instant = fc
  .integer({ min: 0, max: 730 * 24 })
  .map((h) => new Date(START + h * 3_600_000).toISOString());
const account = fc.constantFrom('A1', 'A2', 'A3');
const channel = fc.constantFrom('branch', 'mobile', 'web', 'call-centre', 'atm', 'messaging');

type Entry = [TouchpointType, Record<string, unknown>];

const entry = (type: TouchpointType, data: Record<string, unknown>): Entry => [type, data];

/** Touchpoints in any order (late ones included), not necessarily consistent: projections must cope. */
const touchpointData: fc.Arbitrary<Entry> = fc.oneof(
  fc
    .record({
      accountId: account,
      productType: fc.constantFrom('current', 'savings', 'wealth-fund', 'credit-card', 'mortgage'),
      currency: fc.constantFrom('CNY', 'USD'),
      channel,
    })
    .map((d) => entry('ProductOpened', { ...d, productCode: 'P' })),
  account.map((accountId) => entry('ProductClosed', { accountId, reason: 'customer-request' })),
  fc
    .record({
      accountId: account,
      balanceMinor: fc.bigInt({ min: -(10n ** 12n), max: 10n ** 14n }).map(String),
      currency: fc.constantFrom('CNY', 'USD'),
    })
    .map((d) => entry('BalanceReported', d)),
  fc
    .record({ accountId: account, initiator: fc.constantFrom('customer', 'counterparty', 'bank') })
    .map((d) =>
      entry('TransactionPosted', {
        ...d,
        transactionId: 'T',
        direction: 'debit',
        amountMinor: '100',
        currency: 'CNY',
        category: 'transfer',
      }),
    ),
  fc.record({ channel, purpose: fc.constant('login') }).map((d) => entry('ChannelInteraction', d)),
  fc
    .constantFrom('C1', 'C2')
    .map((complaintId) =>
      entry('ComplaintFiled', { complaintId, category: 'fees', severity: 'low', channel: 'web' }),
    ),
  fc
    .constantFrom('C1', 'C2')
    .map((complaintId) => entry('ComplaintResolved', { complaintId, resolution: 'upheld' })),
  fc
    .integer({ min: 0, max: 10 })
    .map((nps) => entry('SatisfactionSurveyed', { surveyId: 'S', nps, channel: 'web' })),
  fc.constant(
    entry('KycVerified', {
      method: 'video',
      level: 'standard',
      documentType: 'passport',
      documentNumber: 'X',
      expiresAt: '2030-01-01T00:00:00Z',
    }),
  ),
  fc
    .constantFrom('RM-1', 'RM-2')
    .map((rmId) =>
      entry('RelationshipManagerAssigned', { rmId, branchId: 'B', reason: 'onboarding' }),
    ),
  fc
    .constantFrom('reached', 'no-answer')
    .map((outcome) =>
      entry('RmContactLogged', { rmId: 'RM-1', contactType: 'call', initiatedBy: 'rm', outcome }),
    ),
  fc
    .boolean()
    .map((granted) => entry('ConsentChanged', { purpose: 'profiling', granted, channel: 'web' })),
);

const history: fc.Arbitrary<ProjectionEvent[]> = fc
  .array(fc.tuple(touchpointData, instant), { minLength: 1, maxLength: 60 })
  .map((items) => [
    touchpoint(
      'ProspectCaptured',
      '2023-01-01T00:00:00.000Z',
      { source: 'website', channel: 'web' },
      1,
      'e-0',
    ),
    ...items.map(([[type, data], occurredAt], i) =>
      touchpoint(type, occurredAt, data, 1, `e-${i + 1}`),
    ),
  ]);

/** Folds like the live service: due threshold events are appended before each touchpoint. */
function replay(
  events: readonly ProjectionEvent[],
  from = initialCustomerState('c-1'),
): CustomerState {
  let state = from;
  for (const event of events) {
    for (const due of dueThresholdEvents(state, POLICY, event.occurredAt))
      state = projectCustomer(state, due, POLICY);
    state = projectCustomer(state, event, POLICY);
  }
  return state;
}

const fold = (
  events: readonly ProjectionEvent[],
  from = initialCustomerState('c-1'),
): CustomerState => events.reduce((s, e) => projectCustomer(s, e, POLICY), from);

describe('replay properties', () => {
  it('given any history, when replayed twice, then the documents are byte-identical', () => {
    fc.assert(
      fc.property(history, (events) => {
        expect(JSON.stringify(replay(events))).toBe(JSON.stringify(replay(events)));
      }),
    );
  });

  it('given any history split anywhere, when resumed from the JSON round-tripped intermediate state, then the result is identical', () => {
    fc.assert(
      fc.property(history, fc.nat(), (events, cut) => {
        const k = cut % (events.length + 1);
        const middle = JSON.parse(JSON.stringify(fold(events.slice(0, k)))) as CustomerState;
        expect(JSON.stringify(fold(events.slice(k), middle))).toBe(JSON.stringify(fold(events)));
      }),
    );
  });

  it('given any history, when each event (late ones included) is applied, then last activity and asOf never move backwards', () => {
    fc.assert(
      fc.property(history, (events) => {
        let state = initialCustomerState('c-1');
        for (const event of events) {
          const next = projectCustomer(state, event, POLICY);
          for (const key of ['lastActivityAt', 'lastCustomerActivityAt', 'asOf'] as const) {
            if (state[key] !== null) expect(next[key]! >= state[key]!).toBe(true);
          }
          state = next;
        }
      }),
    );
  });

  it('given any history, then the state is plain JSON and the churn score stays within 0-100', () => {
    fc.assert(
      fc.property(history, (events) => {
        const state = replay(events);
        expect(JSON.parse(JSON.stringify(state))).toEqual(state);
        expect(state.churnRisk.score).toBeGreaterThanOrEqual(0);
        expect(state.churnRisk.score).toBeLessThanOrEqual(100);
        expect(state.lifecycle.history.length).toBeLessThanOrEqual(POLICY.lifecycle.historyLimit);
      }),
    );
  });
});
