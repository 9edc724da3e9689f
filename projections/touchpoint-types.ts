/**
 * Every touchpoint type and version the engine accepts, as one discriminated union. The catalog
 * in src/domain/touchpoints holds each one's payload schema; it is checked against this list at
 * compile time (it takes `TouchpointType`, and asserts it covers every member) and by a spec
 * (same set of type and version). `switch (event.type)` over a `TouchpointEvent` refuses a
 * misspelt `case` at compile time.
 */
import { SYSTEM_EVENT_TYPES } from './vocabulary';

/** Oldest version first within a type; versions of a type run 1, 2, ... without gaps. */
export const TOUCHPOINT_VERSIONS = [
  { type: 'ProspectCaptured', version: 1 },
  { type: 'CustomerImported', version: 1 },
  { type: 'KycVerified', version: 1 },
  { type: 'KycExpired', version: 1 },
  { type: 'ProfileUpdated', version: 1 },
  { type: 'ProductOpened', version: 1 },
  { type: 'ProductClosed', version: 1 },
  { type: 'BalanceReported', version: 1 },
  { type: 'TransactionPosted', version: 1 },
  { type: 'ChannelInteraction', version: 1 },
  { type: 'ChannelInteraction', version: 2 },
  { type: 'RelationshipManagerAssigned', version: 1 },
  { type: 'RmContactLogged', version: 1 },
  { type: 'CampaignOffered', version: 1 },
  { type: 'CampaignResponded', version: 1 },
  { type: 'ComplaintFiled', version: 1 },
  { type: 'ComplaintResolved', version: 1 },
  { type: 'SatisfactionSurveyed', version: 1 },
  { type: 'ReferralMade', version: 1 },
  { type: 'ConsentChanged', version: 1 },
  { type: 'PersonalDataErasureRequested', version: 1 },
  { type: 'PersonalDataErased', version: 1 },
  { type: SYSTEM_EVENT_TYPES.inactivityThresholdReached, version: 1 },
  { type: SYSTEM_EVENT_TYPES.reactivationWatchEnded, version: 1 },
  { type: SYSTEM_EVENT_TYPES.rmContactOverdue, version: 1 },
  { type: SYSTEM_EVENT_TYPES.tierDowngradeGraceExpired, version: 1 },
  { type: SYSTEM_EVENT_TYPES.legalHoldChanged, version: 1 },
] as const;

type TouchpointEntry = (typeof TOUCHPOINT_VERSIONS)[number];

/** Every touchpoint type name, scheduler events included. */
export type TouchpointType = TouchpointEntry['type'];

/** The versions of `T` the engine accepts (all types when `T` is not given). */
export type TouchpointVersion<T extends TouchpointType = TouchpointType> = Extract<
  TouchpointEntry,
  { readonly type: T }
>['version'];

/** Types appended by the scheduler (and an administrator's legal hold); never from ingest. */
export type SystemEventType = (typeof SYSTEM_EVENT_TYPES)[keyof typeof SYSTEM_EVENT_TYPES];

type Counter<N extends number, Acc extends unknown[] = []> = Acc['length'] extends N
  ? Acc
  : Counter<N, [...Acc, unknown]>;
type Successor<N extends number> = [...Counter<N>, unknown]['length'];

/** The version events of `T` are upcast to before projections and the decider see them. */
export type LatestVersion<T extends TouchpointType> = {
  [V in TouchpointVersion<T>]: Successor<V> extends TouchpointVersion<T> ? never : V;
}[TouchpointVersion<T>];

interface Envelope<T extends TouchpointType, V extends number> {
  readonly eventId: string;
  readonly type: T;
  readonly version: V;
  /** ISO 8601 UTC instant at which the fact happened. */
  readonly occurredAt: string;
  readonly data: Readonly<Record<string, unknown>>;
}

type EventOf<E extends TouchpointEntry> = E extends TouchpointEntry
  ? Envelope<E['type'], E['version']>
  : never;

/** Any accepted touchpoint: one member per (type, version), discriminated by `type`. */
export type TouchpointEvent = EventOf<TouchpointEntry>;

/**
 * Touchpoints of type `T` (a union of types gives the union of their events), at version `V`
 * (by default at any version `T` has: `TypedEvent<'ChannelInteraction'>` is its v1 or its v2).
 */
export type TypedEvent<
  T extends TouchpointType,
  V extends TouchpointVersion<T> = TouchpointVersion<T>,
> = Extract<TouchpointEvent, { readonly type: T; readonly version: V }>;

/** A touchpoint upcast to its type's latest version, as projections and the decider see it. */
export type LatestTouchpointEvent = {
  [T in TouchpointType]: Envelope<T, LatestVersion<T>>;
}[TouchpointType];
