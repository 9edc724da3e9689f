/**
 * Folds the facts a touchpoint states into the customer-360 (products, balances, channels,
 * consent, complaints...). Derived views (stage, tier, risk, coverage) are computed afterwards
 * from these facts by their own modules.
 */
import { type CustomerState, type ProductHolding, withKey, withoutKey } from './customer-state';
import { privacyOf } from './privacy';
import {
  type ProjectionEvent,
  booleanField,
  numberField,
  recordListField,
  stringField,
} from './event';
import { laterOf, earlierOf, normaliseInstant } from './time';
import type { TouchpointType } from './touchpoint-types';
import {
  CHANNELS,
  CONSENT_PURPOSES,
  PRODUCT_TYPES,
  SYSTEM_EVENT_TYPES,
  isOneOf,
} from './vocabulary';

const SYSTEM_TYPES: readonly TouchpointType[] = Object.values(SYSTEM_EVENT_TYPES);

export function isSystemEvent(event: ProjectionEvent): boolean {
  return SYSTEM_TYPES.includes(event.type);
}

/**
 * Activity the customer chose to do. Inactivity (and so at-risk / dormant) is measured from
 * it: bank-side snapshots, offers and interest postings must not keep a silent customer "active".
 */
export function isCustomerInitiated(event: ProjectionEvent): boolean {
  switch (event.type) {
    case 'ProspectCaptured':
    case 'ProductOpened':
    case 'ChannelInteraction':
    case 'CampaignResponded':
    case 'ComplaintFiled':
    case 'SatisfactionSurveyed':
    case 'ReferralMade':
    case 'ProfileUpdated':
    case 'ConsentChanged':
      return true;
    case 'TransactionPosted':
      return stringField(event.data, 'initiator') === 'customer';
    case 'RmContactLogged':
      return (
        stringField(event.data, 'initiatedBy') === 'customer' &&
        stringField(event.data, 'outcome') === 'reached'
      );
    default:
      return false;
  }
}

/** Balance snapshots are bank-side bookkeeping, not something the customer did. */
function countsAsActivity(event: ProjectionEvent): boolean {
  return !isSystemEvent(event) && event.type !== 'BalanceReported';
}

function applyBalance(
  state: CustomerState,
  accountId: string | null,
  amountMinor: string | null,
  currency: string | null,
  at: string,
): CustomerState {
  if (accountId === null || amountMinor === null || currency === null) return state;
  const product = state.products[accountId];
  if (product === undefined) return state;
  if (product.balance !== null && product.balance.at > at) return state;
  return {
    ...state,
    products: withKey(state.products, accountId, {
      ...product,
      balance: { amountMinor, currency, at },
    }),
  };
}

function openProduct(
  state: CustomerState,
  item: Readonly<Record<string, unknown>>,
  at: string,
): CustomerState {
  const accountId = stringField(item, 'accountId');
  const productType = stringField(item, 'productType');
  const currency = stringField(item, 'currency');
  if (accountId === null || currency === null || !isOneOf(PRODUCT_TYPES, productType)) return state;
  const holding: ProductHolding = {
    accountId,
    productType,
    productCode: stringField(item, 'productCode') ?? productType,
    currency,
    status: 'open',
    openedAt: at,
    closedAt: null,
    balance: null,
  };
  return {
    ...state,
    products: withKey(state.products, accountId, holding),
    tenureStartedAt: earlierOf(state.tenureStartedAt, at),
  };
}

function applyImport(state: CustomerState, event: ProjectionEvent, at: string): CustomerState {
  const data = event.data;
  let next: CustomerState = {
    ...state,
    // The legacy book only holds customers the bank already identified.
    kyc:
      state.kyc.status === 'none'
        ? { status: 'verified', verifiedAt: at, expiresAt: null }
        : state.kyc,
    legacy: {
      sourceSystem: stringField(data, 'sourceSystem') ?? 'unknown',
      stage: stringField(data, 'legacyStage'),
      tier: stringField(data, 'legacyTier'),
    },
  };
  const tenureStartedAt = stringField(data, 'tenureStartedAt');
  if (tenureStartedAt !== null) {
    next = {
      ...next,
      tenureStartedAt: earlierOf(next.tenureStartedAt, normaliseInstant(tenureStartedAt)),
    };
  }
  const lastActivity = stringField(data, 'lastActivityAt');
  if (lastActivity !== null) {
    next = {
      ...next,
      lastCustomerActivityAt: laterOf(next.lastCustomerActivityAt, normaliseInstant(lastActivity)),
    };
  }
  for (const item of recordListField(data, 'products')) {
    const openedAt = stringField(item, 'openedAt');
    next = openProduct(next, item, openedAt === null ? at : normaliseInstant(openedAt));
    const accountId = stringField(item, 'accountId');
    next = applyBalance(
      next,
      accountId,
      stringField(item, 'balanceMinor'),
      stringField(item, 'currency'),
      at,
    );
  }
  return next;
}

function applyTouchpoint(state: CustomerState, event: ProjectionEvent, at: string): CustomerState {
  const data = event.data;
  switch (event.type) {
    case 'CustomerImported':
      return applyImport(state, event, at);
    case 'KycVerified':
      return {
        ...state,
        kyc: {
          status: 'verified',
          verifiedAt: at,
          expiresAt:
            stringField(data, 'expiresAt') === null
              ? null
              : normaliseInstant(String(data.expiresAt)),
        },
      };
    case 'KycExpired':
      return { ...state, kyc: { ...state.kyc, status: 'expired' } };
    case 'ProductOpened':
      return openProduct(state, data, at);
    case 'ProductClosed': {
      const accountId = stringField(data, 'accountId');
      const product = accountId === null ? undefined : state.products[accountId];
      if (accountId === null || product === undefined) return state;
      return {
        ...state,
        products: withKey(state.products, accountId, {
          ...product,
          status: 'closed',
          closedAt: at,
        }),
      };
    }
    case 'BalanceReported':
      return applyBalance(
        state,
        stringField(data, 'accountId'),
        stringField(data, 'balanceMinor'),
        stringField(data, 'currency'),
        at,
      );
    case 'ConsentChanged': {
      const purpose = stringField(data, 'purpose');
      const granted = booleanField(data, 'granted');
      if (!isOneOf(CONSENT_PURPOSES, purpose) || granted === null) return state;
      const current = state.consent[purpose];
      if (current !== undefined && current.at > at) return state;
      return { ...state, consent: withKey(state.consent, purpose, { granted, at }) };
    }
    case 'ComplaintFiled': {
      const complaintId = stringField(data, 'complaintId');
      if (complaintId === null) return state;
      const category = stringField(data, 'category') ?? 'other';
      return {
        ...state,
        openComplaints: withKey(state.openComplaints, complaintId, { filedAt: at, category }),
      };
    }
    case 'ComplaintResolved': {
      const complaintId = stringField(data, 'complaintId');
      if (complaintId === null || state.openComplaints[complaintId] === undefined) return state;
      return {
        ...state,
        openComplaints: withoutKey(state.openComplaints, complaintId),
        resolvedComplaintCount: state.resolvedComplaintCount + 1,
      };
    }
    case 'SatisfactionSurveyed': {
      const score = numberField(data, 'nps');
      if (score === null || (state.lastNps !== null && state.lastNps.at > at)) return state;
      return { ...state, lastNps: { score, at } };
    }
    case 'CampaignOffered':
      return { ...state, campaigns: { ...state.campaigns, offered: state.campaigns.offered + 1 } };
    case 'CampaignResponded': {
      const accepted = stringField(data, 'response') === 'accepted' ? 1 : 0;
      return {
        ...state,
        campaigns: {
          ...state.campaigns,
          responded: state.campaigns.responded + 1,
          accepted: state.campaigns.accepted + accepted,
        },
      };
    }
    case 'ReferralMade':
      return { ...state, referralCount: state.referralCount + 1 };
    case 'PersonalDataErasureRequested': {
      const privacy = privacyOf(state);
      const requestId = stringField(data, 'requestId');
      if (
        requestId === null ||
        (privacy.erasureRequest !== null && privacy.erasureRequest.at <= at)
      )
        return state;
      return {
        ...state,
        privacy: { ...privacy, erasureRequest: { eventId: event.eventId, requestId, at } },
      };
    }
    case SYSTEM_EVENT_TYPES.legalHoldChanged: {
      const privacy = privacyOf(state);
      const held = booleanField(data, 'held');
      // Stream order decides, as in the decider: an administrator's act is never a late event.
      if (held === null) return state;
      const legalHold = held
        ? { since: at, reference: stringField(data, 'reference') ?? '' }
        : null;
      return { ...state, privacy: { ...privacy, legalHold, legalHoldChangedAt: at } };
    }
    case 'PersonalDataErased': {
      const privacy = privacyOf(state);
      if (state.erasedAt !== null && state.erasedAt <= at) return state;
      return { ...state, erasedAt: at, privacy: { ...privacy, erasedBy: event.eventId } };
    }
    default:
      return state;
  }
}

function recordChannel(state: CustomerState, event: ProjectionEvent, at: string): CustomerState {
  const channel = stringField(event.data, 'channel');
  if (!isOneOf(CHANNELS, channel) || !isCustomerInitiated(event)) return state;
  const seen = state.channelsUsed[channel];
  if (seen !== undefined && seen >= at) return state;
  return { ...state, channelsUsed: withKey(state.channelsUsed, channel, at) };
}

/** Applies the facts of one event, plus the time bookkeeping every event contributes to. */
export function applyFacts(state: CustomerState, event: ProjectionEvent): CustomerState {
  const at = normaliseInstant(event.occurredAt);
  let next = applyTouchpoint(state, event, at);
  next = recordChannel(next, event, at);
  return {
    ...next,
    firstSeenAt: earlierOf(next.firstSeenAt, at),
    asOf: laterOf(next.asOf, at),
    lastActivityAt: countsAsActivity(event)
      ? laterOf(next.lastActivityAt, at)
      : next.lastActivityAt,
    lastCustomerActivityAt: isCustomerInitiated(event)
      ? laterOf(next.lastCustomerActivityAt, at)
      : next.lastCustomerActivityAt,
  };
}
