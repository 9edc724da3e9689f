import { touchpoint } from '../../projections/testing/touchpoints';
import { RETAIL_BANK_POLICY_V1 } from './retail-bank-policy';
import {
  type CustomerWriteState,
  type Decision,
  decide as decideUnder,
  evolveWriteState,
  initialCustomerWriteState,
} from './decider';
import type { DomainEvent } from './touchpoints';

const decide = (state: CustomerWriteState, event: DomainEvent) =>
  decideUnder(state, event, RETAIL_BANK_POLICY_V1);

const ev = touchpoint;
const given = (...events: DomainEvent[]): CustomerWriteState =>
  events.reduce(evolveWriteState, initialCustomerWriteState);
const refused = (rule: string, field?: string): Decision =>
  expect.objectContaining({
    accepted: false,
    rule,
    ...(field === undefined ? {} : { field }),
  }) as Decision;
const ACCEPTED = { accepted: true };

const prospect = ev('ProspectCaptured', '2024-01-01T00:00:00Z', {
  source: 'website',
  channel: 'web',
  fullName: 'A',
});
const opened = (id: string, at = '2024-01-02T00:00:00Z') =>
  ev('ProductOpened', at, {
    accountId: id,
    productType: 'current',
    productCode: 'C',
    currency: 'CNY',
    channel: 'web',
  });
const closed = (id: string, at = '2024-03-01T00:00:00Z') =>
  ev('ProductClosed', at, { accountId: id, reason: 'customer-request' });
const balance = (id: string, at: string, currency = 'CNY') =>
  ev('BalanceReported', at, { accountId: id, balanceMinor: '1', currency });

describe('decider', () => {
  it('given no history, when the first touchpoint is not a prospect or import, then it is refused', () => {
    expect(decide(initialCustomerWriteState, opened('A1'))).toEqual(
      refused('customer-unknown', 'type'),
    );
    expect(decide(initialCustomerWriteState, prospect)).toEqual(ACCEPTED);
  });

  it('given a customer, when she is captured or imported again, then it is refused', () => {
    expect(decide(given(prospect), prospect)).toEqual(refused('customer-already-exists'));
  });

  it('given an import listing an account twice, then it is refused', () => {
    const p = {
      accountId: 'A1',
      productType: 'savings',
      productCode: 'S',
      currency: 'CNY',
      openedAt: '2020-01-01T00:00:00Z',
    };
    const imported = ev('CustomerImported', '2024-01-01T00:00:00Z', { products: [p, p] });
    expect(decide(initialCustomerWriteState, imported)).toEqual(
      refused('duplicate-account-in-import', 'products'),
    );
  });

  it('given an open account, when it is opened again, then it is refused; once closed its id cannot be reused', () => {
    expect(decide(given(prospect, opened('A1')), opened('A1'))).toEqual(
      refused('account-already-open', 'accountId'),
    );
    expect(decide(given(prospect, opened('A1'), closed('A1')), opened('A1'))).toEqual(
      refused('account-id-reused', 'accountId'),
    );
  });

  it('given accounts, when closing one never opened, already closed, or before its opening, then it is refused', () => {
    expect(decide(given(prospect), closed('A1'))).toEqual(refused('account-unknown', 'accountId'));
    expect(decide(given(prospect, opened('A1'), closed('A1')), closed('A1'))).toEqual(
      refused('account-already-closed'),
    );
    expect(decide(given(prospect, opened('A1')), closed('A1', '2023-12-01T00:00:00Z'))).toEqual(
      refused('closed-before-opened'),
    );
  });

  it('given an account, when a balance is reported for an unknown account, in another currency, or after closure, then it is refused', () => {
    const state = given(prospect, opened('A1'), closed('A1'));
    expect(decide(state, balance('A2', '2024-02-01T00:00:00Z'))).toEqual(
      refused('account-unknown'),
    );
    expect(decide(state, balance('A1', '2024-02-01T00:00:00Z', 'USD'))).toEqual(
      refused('currency-mismatch', 'currency'),
    );
    expect(decide(state, balance('A1', '2024-04-01T00:00:00Z'))).toEqual(refused('account-closed'));
    expect(decide(state, balance('A1', '2023-12-01T00:00:00Z'))).toEqual(
      refused('before-account-opened', 'occurredAt'),
    );
  });

  it('given a closed account, when a late balance from while it was open arrives, then it is accepted', () => {
    expect(
      decide(given(prospect, opened('A1'), closed('A1')), balance('A1', '2024-02-01T00:00:00Z')),
    ).toEqual(ACCEPTED);
  });

  it('given complaints, when resolving an unknown or resolved one, or filing a known id, then it is refused', () => {
    const filed = ev('ComplaintFiled', '2024-02-01T00:00:00Z', {
      complaintId: 'C1',
      category: 'fees',
      severity: 'low',
      channel: 'web',
    });
    const resolved = ev('ComplaintResolved', '2024-02-05T00:00:00Z', {
      complaintId: 'C1',
      resolution: 'upheld',
    });
    expect(decide(given(prospect), resolved)).toEqual(refused('complaint-unknown', 'complaintId'));
    expect(decide(given(prospect, filed), resolved)).toEqual(ACCEPTED);
    expect(decide(given(prospect, filed, resolved), resolved)).toEqual(
      refused('complaint-already-resolved'),
    );
    expect(decide(given(prospect, filed), filed)).toEqual(refused('complaint-already-filed'));
  });

  it('given no offer, when a campaign response arrives, then it is refused; after the offer it is accepted', () => {
    const offer = ev('CampaignOffered', '2024-02-01T00:00:00Z', {
      campaignId: 'K',
      offerId: 'O1',
      channel: 'web',
    });
    const response = ev('CampaignResponded', '2024-02-02T00:00:00Z', {
      campaignId: 'K',
      offerId: 'O1',
      response: 'accepted',
      channel: 'web',
    });
    expect(decide(given(prospect), response)).toEqual(refused('campaign-not-offered', 'offerId'));
    expect(decide(given(prospect, offer), response)).toEqual(ACCEPTED);
  });

  it('given no KYC, when KYC expires, then it is refused; an empty profile update is refused', () => {
    expect(
      decide(
        given(prospect),
        ev('KycExpired', '2024-02-01T00:00:00Z', { reason: 'document-expired' }),
      ),
    ).toEqual(refused('kyc-not-verified'));
    expect(
      decide(given(prospect), ev('ProfileUpdated', '2024-02-01T00:00:00Z', { channel: 'web' })),
    ).toEqual(refused('empty-profile-update'));
  });

  it('given AML evidence to keep, when an erasure is sent as done, then it is refused until the window ends', () => {
    const erased = (at: string) =>
      ev('PersonalDataErased', at, { requestId: 'R1', reason: 'customer-request' });
    expect(decide(given(prospect, opened('A1')), erased('2024-06-01T00:00:00Z'))).toEqual(
      refused('aml-retention'),
    );
    // Closed on 2024-03-01; the retail-bank policy keeps evidence for 1,826 days after that.
    const closedCustomer = given(prospect, opened('A1'), closed('A1'));
    expect(decide(closedCustomer, erased('2029-02-28T23:59:59Z'))).toEqual(
      refused('aml-retention'),
    );
    expect(decide(closedCustomer, erased('2029-03-01T00:00:00Z'))).toEqual(ACCEPTED);
    // A prospect never held a product: no relationship, no evidence to keep.
    expect(decide(given(prospect), erased('2024-06-01T00:00:00Z'))).toEqual(ACCEPTED);
    expect(decide(given(prospect, erased('2024-06-01T00:00:00Z')), opened('A2'))).toEqual(
      refused('customer-erased'),
    );
  });

  it('given an erasure request or a legal hold, then a second request and an erasure under hold are refused; a request is always recorded', () => {
    const request = ev('PersonalDataErasureRequested', '2024-06-01T00:00:00Z', {
      requestId: 'R1',
    });
    expect(decide(given(prospect, opened('A1')), request)).toEqual(ACCEPTED);
    expect(decide(given(prospect, request), request)).toEqual(refused('erasure-already-requested'));
    const hold = ev('LegalHoldChanged', '2024-05-01T00:00:00Z', {
      held: true,
      reference: 'CASE-1',
    });
    const erased = ev('PersonalDataErased', '2024-06-01T00:00:00Z', {
      requestId: 'R1',
      reason: 'regulator-order',
    });
    expect(decide(given(prospect, hold), erased)).toEqual(refused('legal-hold'));
    const lifted = ev('LegalHoldChanged', '2024-05-02T00:00:00Z', {
      held: false,
      reference: 'CASE-1',
    });
    expect(decide(given(prospect, hold, lifted), erased)).toEqual(ACCEPTED);
  });

  it('given a customer, when a late touchpoint older than everything seen arrives, then it is accepted', () => {
    const late = ev('ChannelInteraction', '2023-06-01T00:00:00Z', {
      channel: 'branch',
      purpose: 'advice',
    });
    expect(decide(given(prospect, opened('A1')), late)).toEqual(ACCEPTED);
  });

  it("given the scheduler's threshold events, then they are judged against the stream: inactivity needs an open product; nothing follows an erasure", () => {
    const inactivity = ev('InactivityThresholdReached', '2024-09-01T00:00:00Z', {
      threshold: 'at-risk',
      inactiveSince: '2024-01-02T00:00:00.000Z',
      policyVersion: 'retail-bank-v1',
    });
    const overdue = ev('RmContactOverdue', '2024-09-01T00:00:00Z', {
      rmId: 'RM-1',
      dueAt: '2024-09-01T00:00:00.000Z',
      policyVersion: 'retail-bank-v1',
    });
    expect(decide(given(prospect, opened('A1')), inactivity)).toEqual(ACCEPTED);
    expect(decide(given(prospect, opened('A1'), closed('A1')), inactivity)).toEqual(
      refused('no-open-products'),
    );
    expect(decide(given(prospect), inactivity)).toEqual(refused('no-open-products'));
    expect(decide(initialCustomerWriteState, overdue)).toEqual(refused('customer-unknown', 'type'));
    const erased = ev('PersonalDataErased', '2024-08-01T00:00:00Z', {
      requestId: 'R1',
      reason: 'customer-request',
    });
    expect(decide(given(prospect, erased), overdue)).toEqual(refused('customer-erased'));
    expect(decide(given(prospect, opened('A1')), overdue)).toEqual(ACCEPTED);
  });
});
