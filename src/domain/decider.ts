import { DomainEvent } from './touchpoints';

/**
 * The write side's memory of a customer: only what is needed to refuse touchpoints that
 * contradict history. Read models are built elsewhere (projections/), from the same events.
 */
export interface CustomerWriteState {
  readonly exists: boolean;
  readonly erased: boolean;
  readonly kycVerified: boolean;
  readonly hasRelationshipManager: boolean;
  /** productId -> when it was opened / closed (closedAt undefined while open). */
  readonly products: Readonly<
    Record<string, { readonly openedAt: string; readonly closedAt?: string }>
  >;
  /** complaintId -> resolved? */
  readonly complaints: Readonly<Record<string, boolean>>;
  /** "campaignId/offerId" of offers made to the customer. */
  readonly offers: readonly string[];
}

export const initialCustomerWriteState: CustomerWriteState = {
  exists: false,
  erased: false,
  kycVerified: false,
  hasRelationshipManager: false,
  products: {},
  complaints: {},
  offers: [],
};

export type Decision =
  | { readonly accepted: true }
  | {
      readonly accepted: false;
      readonly rule: string;
      readonly message: string;
      readonly field?: string;
    };

const ACCEPT: Decision = { accepted: true };
const refuse = (rule: string, message: string, field?: string): Decision => ({
  accepted: false,
  rule,
  message,
  ...(field ? { field } : {}),
});

const text = (event: DomainEvent, key: string): string => String(event.data[key]);
const offerKey = (event: DomainEvent) => `${text(event, 'campaignId')}/${text(event, 'offerId')}`;
const FIRST_EVENT_TYPES = ['ProspectCaptured', 'CustomerImported'];

/**
 * Accepts or refuses one touchpoint given the customer's history. Late events (an occurredAt
 * older than what was seen) are accepted wherever they do not contradict that history.
 */
export function decide(state: CustomerWriteState, event: DomainEvent): Decision {
  if (state.erased) {
    return refuse(
      'customerErased',
      "the customer's personal data was erased; no further touchpoints are recorded",
    );
  }
  if (!state.exists) {
    return FIRST_EVENT_TYPES.includes(event.type)
      ? ACCEPT
      : refuse(
          'customerMustExist',
          "a customer's first touchpoint must be ProspectCaptured or CustomerImported",
          'type',
        );
  }
  switch (event.type) {
    case 'ProspectCaptured':
    case 'CustomerImported':
      return refuse(
        'customerAlreadyExists',
        `the customer already exists; ${event.type} only starts a history`,
        'type',
      );
    case 'ProductOpened': {
      const productId = text(event, 'productId');
      return state.products[productId]
        ? refuse(
            'productAlreadyExists',
            `product ${productId} was already opened`,
            'data.productId',
          )
        : ACCEPT;
    }
    case 'ProductClosed': {
      const productId = text(event, 'productId');
      const product = state.products[productId];
      if (!product)
        return refuse(
          'productNotOpened',
          `product ${productId} was never opened`,
          'data.productId',
        );
      if (product.closedAt)
        return refuse(
          'productAlreadyClosed',
          `product ${productId} is already closed`,
          'data.productId',
        );
      return event.occurredAt < product.openedAt
        ? refuse(
            'closedBeforeOpened',
            `product ${productId} cannot close before it opened`,
            'occurredAt',
          )
        : ACCEPT;
    }
    case 'BalanceReported':
    case 'TransactionPosted': {
      const productId = text(event, 'productId');
      const product = state.products[productId];
      if (!product)
        return refuse('unknownProduct', `product ${productId} was never opened`, 'data.productId');
      // A late report from before the closure is history; one after it contradicts it.
      return product.closedAt && event.occurredAt > product.closedAt
        ? refuse(
            'productClosed',
            `product ${productId} was closed at ${product.closedAt}`,
            'data.productId',
          )
        : ACCEPT;
    }
    case 'KycExpired':
      return state.kycVerified
        ? ACCEPT
        : refuse('kycNotVerified', 'KYC was never verified, so it cannot expire', 'type');
    case 'RmContactLogged':
      return state.hasRelationshipManager
        ? ACCEPT
        : refuse(
            'noRelationshipManager',
            'no relationship manager was ever assigned to the customer',
            'data.rmId',
          );
    case 'CampaignResponded':
      return state.offers.includes(offerKey(event))
        ? ACCEPT
        : refuse(
            'offerNotMade',
            `offer ${offerKey(event)} was never made to the customer`,
            'data.offerId',
          );
    case 'ComplaintFiled': {
      const complaintId = text(event, 'complaintId');
      return complaintId in state.complaints
        ? refuse(
            'complaintAlreadyFiled',
            `complaint ${complaintId} was already filed`,
            'data.complaintId',
          )
        : ACCEPT;
    }
    case 'ComplaintResolved': {
      const complaintId = text(event, 'complaintId');
      if (!(complaintId in state.complaints)) {
        return refuse(
          'unknownComplaint',
          `complaint ${complaintId} was never filed`,
          'data.complaintId',
        );
      }
      return state.complaints[complaintId]
        ? refuse(
            'complaintAlreadyResolved',
            `complaint ${complaintId} is already resolved`,
            'data.complaintId',
          )
        : ACCEPT;
    }
    default:
      return ACCEPT;
  }
}

/** Folds one accepted (stored) event into the write state. */
export function evolveWriteState(
  state: CustomerWriteState,
  event: DomainEvent,
): CustomerWriteState {
  switch (event.type) {
    case 'ProspectCaptured':
      return { ...state, exists: true };
    case 'CustomerImported': {
      const products = Object.fromEntries(
        (event.data.products as readonly { productId: string; openedAt: string }[]).map(
          (product) => [product.productId, { openedAt: new Date(product.openedAt).toISOString() }],
        ),
      );
      return {
        ...state,
        exists: true,
        products,
        hasRelationshipManager: typeof event.data.rmId === 'string',
      };
    }
    case 'ProductOpened':
      return {
        ...state,
        products: { ...state.products, [text(event, 'productId')]: { openedAt: event.occurredAt } },
      };
    case 'ProductClosed': {
      const productId = text(event, 'productId');
      return {
        ...state,
        products: {
          ...state.products,
          [productId]: { ...state.products[productId], closedAt: event.occurredAt },
        },
      };
    }
    case 'KycVerified':
      return { ...state, kycVerified: true };
    case 'RelationshipManagerAssigned':
      return { ...state, hasRelationshipManager: true };
    case 'CampaignOffered':
      return { ...state, offers: [...state.offers, offerKey(event)] };
    case 'ComplaintFiled':
      return { ...state, complaints: { ...state.complaints, [text(event, 'complaintId')]: false } };
    case 'ComplaintResolved':
      return { ...state, complaints: { ...state.complaints, [text(event, 'complaintId')]: true } };
    case 'PersonalDataErased':
      return { ...state, erased: true };
    default:
      return state;
  }
}
