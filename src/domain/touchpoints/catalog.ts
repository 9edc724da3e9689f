/**
 * Every touchpoint type and version the engine accepts, with its payload schema. The list of
 * (type, version) is projections/touchpoint-types.ts (TOUCHPOINT_VERSIONS): `schema` takes only
 * its members, the assertion below fails to compile when one has no schema here, and the spec
 * checks the two sets are equal.
 */
import type {
  TouchpointType,
  TouchpointVersion,
  TOUCHPOINT_VERSIONS,
} from '../../../projections/touchpoint-types';
import { SYSTEM_EVENT_TYPES } from '../../../projections/vocabulary';
import {
  CustomerImportedV1,
  KycExpiredV1,
  KycVerifiedV1,
  ProfileUpdatedV1,
  ProspectCapturedV1,
} from './acquisition';
import { ComplaintFiledV1, ComplaintResolvedV1 } from './complaints';
import {
  CampaignOfferedV1,
  CampaignRespondedV1,
  ChannelInteractionV1,
  ChannelInteractionV2,
  ReferralMadeV1,
  SatisfactionSurveyedV1,
} from './engagement';
import { ConsentChangedV1, PersonalDataErasedV1, PersonalDataErasureRequestedV1 } from './privacy';
import {
  BalanceReportedV1,
  ProductClosedV1,
  ProductOpenedV1,
  TransactionPostedV1,
} from './products';
import { RelationshipManagerAssignedV1, RmContactLoggedV1 } from './relationship';
import {
  InactivityThresholdReachedV1,
  LegalHoldChangedV1,
  ReactivationWatchEndedV1,
  RmContactOverdueV1,
  TierDowngradeGraceExpiredV1,
} from './system';
import { personalDataFieldsOf } from './validation';

export interface TouchpointSchema<
  T extends TouchpointType = TouchpointType,
  V extends number = TouchpointVersion<T>,
> {
  readonly type: T;
  readonly version: V;
  readonly payload: new () => object;
  readonly personalDataFields: readonly string[];
  /** True for scheduler events: refused from external ingest. */
  readonly systemOnly: boolean;
}

function schema<const T extends TouchpointType, const V extends TouchpointVersion<T>>(
  type: T,
  version: V,
  payload: new () => object,
  systemOnly = false,
): TouchpointSchema<T, V> {
  return { type, version, payload, personalDataFields: personalDataFieldsOf(payload), systemOnly };
}

const SCHEMAS = [
  schema('ProspectCaptured', 1, ProspectCapturedV1),
  schema('CustomerImported', 1, CustomerImportedV1),
  schema('KycVerified', 1, KycVerifiedV1),
  schema('KycExpired', 1, KycExpiredV1),
  schema('ProfileUpdated', 1, ProfileUpdatedV1),
  schema('ProductOpened', 1, ProductOpenedV1),
  schema('ProductClosed', 1, ProductClosedV1),
  schema('BalanceReported', 1, BalanceReportedV1),
  schema('TransactionPosted', 1, TransactionPostedV1),
  schema('ChannelInteraction', 1, ChannelInteractionV1),
  schema('ChannelInteraction', 2, ChannelInteractionV2),
  schema('RelationshipManagerAssigned', 1, RelationshipManagerAssignedV1),
  schema('RmContactLogged', 1, RmContactLoggedV1),
  schema('CampaignOffered', 1, CampaignOfferedV1),
  schema('CampaignResponded', 1, CampaignRespondedV1),
  schema('ComplaintFiled', 1, ComplaintFiledV1),
  schema('ComplaintResolved', 1, ComplaintResolvedV1),
  schema('SatisfactionSurveyed', 1, SatisfactionSurveyedV1),
  schema('ReferralMade', 1, ReferralMadeV1),
  schema('ConsentChanged', 1, ConsentChangedV1),
  schema('PersonalDataErasureRequested', 1, PersonalDataErasureRequestedV1),
  schema('PersonalDataErased', 1, PersonalDataErasedV1),
  schema(SYSTEM_EVENT_TYPES.inactivityThresholdReached, 1, InactivityThresholdReachedV1, true),
  schema(SYSTEM_EVENT_TYPES.reactivationWatchEnded, 1, ReactivationWatchEndedV1, true),
  schema(SYSTEM_EVENT_TYPES.rmContactOverdue, 1, RmContactOverdueV1, true),
  schema(SYSTEM_EVENT_TYPES.tierDowngradeGraceExpired, 1, TierDowngradeGraceExpiredV1, true),
  schema(SYSTEM_EVENT_TYPES.legalHoldChanged, 1, LegalHoldChangedV1, true),
] as const satisfies readonly TouchpointSchema[];

/** `true` when every (type, version) of the union has a schema above; else it does not compile. */
type Missing = Exclude<
  `${(typeof TOUCHPOINT_VERSIONS)[number]['type']}@${(typeof TOUCHPOINT_VERSIONS)[number]['version']}`,
  `${(typeof SCHEMAS)[number]['type']}@${(typeof SCHEMAS)[number]['version']}`
>;
const EVERY_TOUCHPOINT_HAS_A_SCHEMA: [Missing] extends [never]
  ? true
  : { readonly noSchemaFor: Missing } = true;
void EVERY_TOUCHPOINT_HAS_A_SCHEMA;

const BY_KEY = new Map<string, TouchpointSchema>(
  SCHEMAS.map((s): [string, TouchpointSchema] => [`${s.type}@${s.version}`, s]),
);
const LATEST = new Map<string, number>();
for (const s of SCHEMAS) LATEST.set(s.type, Math.max(LATEST.get(s.type) ?? 0, s.version));

export const TOUCHPOINT_TYPES: readonly string[] = [...LATEST.keys()];
export const SYSTEM_TOUCHPOINT_TYPES: readonly string[] = SCHEMAS.filter(
  (s: TouchpointSchema) => s.systemOnly,
).map((s) => s.type);

export function schemaFor(type: string, version: number): TouchpointSchema | undefined {
  return BY_KEY.get(`${type}@${version}`);
}

export function latestVersion(type: string): number | undefined {
  return LATEST.get(type);
}

export function allSchemas(): readonly TouchpointSchema[] {
  return SCHEMAS;
}
