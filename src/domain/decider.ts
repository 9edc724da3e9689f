/**
 * The write-side decider for one customer stream: refuses touchpoints that contradict the
 * stream's history, accepts everything else (late events included, when they fit). Pure: the
 * command handler folds evolveWriteState over the stored (upcast) events, then asks decide.
 */
import {
  amlRetention,
  type AmlRetention,
  type Policy,
  retainedAt,
  SYSTEM_EVENT_TYPES,
  type LatestTouchpointEvent,
  type TouchpointType,
} from '../../projections';
import { type DomainEvent, upcast } from './touchpoints';

interface AccountFacts {
  readonly currency: string;
  readonly status: 'open' | 'closed';
  readonly openedAt: number;
  readonly closedAt: number | null;
}

export interface CustomerWriteState {
  readonly exists: boolean;
  readonly erased: boolean;
  /** The eventId of the customer's pending erasure request. */
  readonly erasureRequestedBy: string | null;
  readonly legalHold: boolean;
  readonly kycVerified: boolean;
  readonly accounts: Readonly<Record<string, AccountFacts>>;
  readonly complaints: Readonly<Record<string, 'open' | 'resolved'>>;
  /** Keys `campaignId/offerId` of offers made. */
  readonly offers: Readonly<Record<string, true>>;
}

export type Decision =
  | { readonly accepted: true }
  | {
      readonly accepted: false;
      readonly rule: string;
      readonly message: string;
      readonly field?: string;
    };

export const initialCustomerWriteState: CustomerWriteState = {
  exists: false,
  erased: false,
  erasureRequestedBy: null,
  legalHold: false,
  kycVerified: false,
  accounts: {},
  complaints: {},
  offers: {},
};

const STREAM_OPENERS: readonly TouchpointType[] = ['ProspectCaptured', 'CustomerImported'];
const ACCEPTED: Decision = { accepted: true };

function refuse(rule: string, message: string, field?: string): Decision {
  return field === undefined
    ? { accepted: false, rule, message }
    : { accepted: false, rule, message, field };
}

const text = (data: Readonly<Record<string, unknown>>, key: string): string =>
  typeof data[key] === 'string' ? data[key] : '';

const offerKey = (data: Readonly<Record<string, unknown>>): string =>
  `${text(data, 'campaignId')}/${text(data, 'offerId')}`;

function importedAccounts(
  data: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>>[] {
  return Array.isArray(data.products) ? (data.products as Readonly<Record<string, unknown>>[]) : [];
}

function withAccount(
  state: CustomerWriteState,
  accountId: string,
  facts: AccountFacts,
): CustomerWriteState {
  return { ...state, accounts: { ...state.accounts, [accountId]: facts } };
}

export function evolveWriteState(
  state: CustomerWriteState,
  stored: DomainEvent,
): CustomerWriteState {
  const event = upcast(stored);
  const at = Date.parse(event.occurredAt);
  const data = event.data;
  const next = state.exists ? state : { ...state, exists: true };
  switch (event.type) {
    case 'CustomerImported':
      return importedAccounts(data).reduce<CustomerWriteState>(
        (s, p) =>
          withAccount(s, text(p, 'accountId'), {
            currency: text(p, 'currency'),
            status: 'open',
            openedAt: Date.parse(text(p, 'openedAt')),
            closedAt: null,
          }),
        { ...next, kycVerified: true },
      );
    case 'KycVerified':
      return { ...next, kycVerified: true };
    case 'ProductOpened':
      return withAccount(next, text(data, 'accountId'), {
        currency: text(data, 'currency'),
        status: 'open',
        openedAt: at,
        closedAt: null,
      });
    case 'ProductClosed': {
      const account = next.accounts[text(data, 'accountId')];
      return account === undefined
        ? next
        : withAccount(next, text(data, 'accountId'), {
            ...account,
            status: 'closed',
            closedAt: at,
          });
    }
    case 'ComplaintFiled':
      return { ...next, complaints: { ...next.complaints, [text(data, 'complaintId')]: 'open' } };
    case 'ComplaintResolved':
      return {
        ...next,
        complaints: { ...next.complaints, [text(data, 'complaintId')]: 'resolved' },
      };
    case 'CampaignOffered':
      return { ...next, offers: { ...next.offers, [offerKey(data)]: true } };
    case 'PersonalDataErasureRequested':
      return next.erasureRequestedBy === null
        ? { ...next, erasureRequestedBy: event.eventId }
        : next;
    case SYSTEM_EVENT_TYPES.legalHoldChanged:
      return { ...next, legalHold: data.held === true };
    case 'PersonalDataErased':
      return { ...next, erased: true };
    default:
      return next;
  }
}

function decideAccountActivity(
  state: CustomerWriteState,
  event: LatestTouchpointEvent,
  at: number,
): Decision {
  const accountId = text(event.data, 'accountId');
  const account = state.accounts[accountId];
  if (account === undefined) {
    return refuse(
      'account-unknown',
      `account ${accountId} was never opened for this customer`,
      'accountId',
    );
  }
  if (at < account.openedAt) {
    return refuse(
      'before-account-opened',
      `account ${accountId} was opened after ${event.occurredAt}`,
      'occurredAt',
    );
  }
  if (account.closedAt !== null && at > account.closedAt) {
    return refuse(
      'account-closed',
      `account ${accountId} was closed before ${event.occurredAt}`,
      'accountId',
    );
  }
  if (text(event.data, 'currency') !== account.currency) {
    return refuse(
      'currency-mismatch',
      `account ${accountId} is held in ${account.currency}`,
      'currency',
    );
  }
  return ACCEPTED;
}

function decideOpening(
  state: CustomerWriteState,
  data: Readonly<Record<string, unknown>>,
): Decision {
  const accountId = text(data, 'accountId');
  const account = state.accounts[accountId];
  if (account === undefined) return ACCEPTED;
  return account.status === 'open'
    ? refuse('account-already-open', `account ${accountId} is already open`, 'accountId')
    : refuse(
        'account-id-reused',
        `account ${accountId} was closed; a reopening needs a new account id`,
        'accountId',
      );
}

function decideClosing(
  state: CustomerWriteState,
  data: Readonly<Record<string, unknown>>,
  at: number,
): Decision {
  const accountId = text(data, 'accountId');
  const account = state.accounts[accountId];
  if (account === undefined)
    return refuse('account-unknown', `account ${accountId} was never opened`, 'accountId');
  if (account.status === 'closed')
    return refuse('account-already-closed', `account ${accountId} is already closed`, 'accountId');
  if (at < account.openedAt)
    return refuse('closed-before-opened', `account ${accountId} was opened later`, 'occurredAt');
  return ACCEPTED;
}

function decideImport(data: Readonly<Record<string, unknown>>): Decision {
  const ids = importedAccounts(data).map((p) => text(p, 'accountId'));
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  return duplicate === undefined
    ? ACCEPTED
    : refuse(
        'duplicate-account-in-import',
        `account ${duplicate} appears twice in the snapshot`,
        'products',
      );
}

/** What the AML window is for this customer's accounts. */
export function writeStateRetention(state: CustomerWriteState, policy: Policy): AmlRetention {
  const accounts = Object.values(state.accounts);
  const closed = accounts.filter((a) => a.closedAt !== null).map((a) => a.closedAt!);
  return amlRetention(
    {
      productsHeld: accounts.length,
      openProducts: accounts.filter((a) => a.status === 'open').length,
      lastClosedAt: closed.length === 0 ? null : new Date(Math.max(...closed)).toISOString(),
    },
    policy,
  );
}

/**
 * An erasure sent as done: only where no legal hold and no AML window forbids it. A customer's
 * request goes in as PersonalDataErasureRequested, which is always recorded (and restricts).
 */
function decideErasure(state: CustomerWriteState, at: number, policy: Policy): Decision {
  if (state.legalHold)
    return refuse('legal-hold', 'a legal hold is in force on this customer; erasure must wait');
  const retention = writeStateRetention(state, policy);
  if (!retainedAt(retention, new Date(at).toISOString())) return ACCEPTED;
  return refuse(
    'aml-retention',
    retention.kind === 'until'
      ? `anti-money-laundering evidence must be kept until ${retention.until}; send PersonalDataErasureRequested to restrict the data until then`
      : 'products are still open, so anti-money-laundering evidence must be kept; send PersonalDataErasureRequested to restrict the data until the retention window ends',
  );
}

function decideExisting(
  state: CustomerWriteState,
  event: LatestTouchpointEvent,
  policy: Policy,
): Decision {
  const data = event.data;
  const at = Date.parse(event.occurredAt);
  switch (event.type) {
    case 'ProspectCaptured':
    case 'CustomerImported':
      return refuse(
        'customer-already-exists',
        `the customer already has a history; ${event.type} must come first`,
      );
    case 'ProductOpened':
      return decideOpening(state, data);
    case 'ProductClosed':
      return decideClosing(state, data, at);
    case 'BalanceReported':
    case 'TransactionPosted':
      return decideAccountActivity(state, event, at);
    case 'KycExpired':
      return state.kycVerified
        ? ACCEPTED
        : refuse('kyc-not-verified', 'KYC cannot expire before it was verified');
    case 'ProfileUpdated':
      return Object.keys(data).some((k) => k !== 'channel')
        ? ACCEPTED
        : refuse('empty-profile-update', 'a profile update must change at least one field');
    case 'ComplaintFiled':
      return state.complaints[text(data, 'complaintId')] === undefined
        ? ACCEPTED
        : refuse(
            'complaint-already-filed',
            `complaint ${text(data, 'complaintId')} was already filed`,
            'complaintId',
          );
    case 'ComplaintResolved': {
      const status = state.complaints[text(data, 'complaintId')];
      if (status === undefined)
        return refuse(
          'complaint-unknown',
          `complaint ${text(data, 'complaintId')} was never filed`,
          'complaintId',
        );
      return status === 'open'
        ? ACCEPTED
        : refuse(
            'complaint-already-resolved',
            `complaint ${text(data, 'complaintId')} is already resolved`,
            'complaintId',
          );
    }
    case 'CampaignResponded':
      return state.offers[offerKey(data)] === true
        ? ACCEPTED
        : refuse(
            'campaign-not-offered',
            `offer ${offerKey(data)} was never made to this customer`,
            'offerId',
          );
    case 'PersonalDataErasureRequested':
      return state.erasureRequestedBy === null
        ? ACCEPTED
        : refuse(
            'erasure-already-requested',
            `erasure was requested already (event ${state.erasureRequestedBy}); it is pending`,
          );
    case 'PersonalDataErased':
      return decideErasure(state, at, policy);
    // Threshold events come from the scheduler (AppendSystemEventsCommand), which computes them
    // from a read-model document: here they meet the stream's own facts. Inactivity is measured
    // on products held (projections/thresholds.ts), so it no longer applies once none is open.
    case SYSTEM_EVENT_TYPES.inactivityThresholdReached:
      return Object.values(state.accounts).some((a) => a.status === 'open')
        ? ACCEPTED
        : refuse(
            'no-open-products',
            'inactivity is measured on products held, and the customer holds none open',
          );
    default:
      return ACCEPTED;
  }
}

/**
 * Rules: a stream starts with ProspectCaptured or CustomerImported (every channel that first
 * meets a person captures her as a prospect, so an unknown customer is a producer bug); nothing
 * is accepted after PersonalDataErased (the person is gone, her key shredded); otherwise the
 * event must agree with the accounts, complaints and offers the stream already holds.
 */
export function decide(state: CustomerWriteState, incoming: DomainEvent, policy: Policy): Decision {
  const event = upcast(incoming);
  if (state.erased)
    return refuse(
      'customer-erased',
      'the customer was erased; no further touchpoints are accepted',
    );
  if (!state.exists) {
    return STREAM_OPENERS.includes(event.type)
      ? event.type === 'CustomerImported'
        ? decideImport(event.data)
        : ACCEPTED
      : refuse(
          'customer-unknown',
          `the first touchpoint of a customer must be ${STREAM_OPENERS.join(' or ')}, not ${event.type}`,
          'type',
        );
  }
  return decideExisting(state, event, policy);
}
