import { SYSTEM_EVENT_TYPES } from '../../../projections/vocabulary';
import * as P from './payloads';

/** A touchpoint as the domain sees it: the envelope fields that matter to decisions and projections. */
export interface DomainEvent {
  readonly eventId: string;
  readonly type: string;
  readonly version: number;
  /** ISO 8601 UTC. */
  readonly occurredAt: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface TouchpointSchema {
  readonly type: string;
  readonly version: number;
  readonly payload: new () => object;
  /** Top-level payload fields holding personal data: encrypted per customer, never published. */
  readonly personalDataFields: readonly string[];
  /** Appended by the engine (scheduler) only; refused from external ingest. */
  readonly systemOnly: boolean;
}

/** Turns `data` of version N into version N+1. */
type Upcaster = (data: Readonly<Record<string, unknown>>) => Readonly<Record<string, unknown>>;

interface TypeEntry {
  readonly versions: readonly TouchpointSchema[];
  /** upcasters[i] lifts version i+1 to i+2. */
  readonly upcasters: readonly Upcaster[];
}

const entry = (
  type: string,
  payloads: readonly (new () => object)[],
  options: {
    personalDataFields?: readonly string[];
    systemOnly?: boolean;
    upcasters?: readonly Upcaster[];
  } = {},
): [string, TypeEntry] => {
  if ((options.upcasters?.length ?? 0) !== payloads.length - 1) {
    throw new Error(`${type}: one upcaster is needed between each pair of versions`);
  }
  return [
    type,
    {
      versions: payloads.map((payload, index) => ({
        type,
        version: index + 1,
        payload,
        personalDataFields: options.personalDataFields ?? [],
        systemOnly: options.systemOnly ?? false,
      })),
      upcasters: options.upcasters ?? [],
    },
  ];
};

const CATALOG: ReadonlyMap<string, TypeEntry> = new Map([
  entry('ProspectCaptured', [P.ProspectCapturedV1], { personalDataFields: ['personal'] }),
  entry('CustomerImported', [P.CustomerImportedV1], { personalDataFields: ['personal'] }),
  entry('KycVerified', [P.KycVerifiedV1]),
  entry('KycExpired', [P.KycExpiredV1]),
  entry('ProfileUpdated', [P.ProfileUpdatedV1], { personalDataFields: ['personal'] }),
  entry('ProductOpened', [P.ProductOpenedV1]),
  entry('ProductClosed', [P.ProductClosedV1]),
  entry('BalanceReported', [P.BalanceReportedV1]),
  entry('TransactionPosted', [P.TransactionPostedV1]),
  entry('ChannelInteraction', [P.ChannelInteractionV1, P.ChannelInteractionV2], {
    // v1 senders only ever reported what customers did themselves.
    upcasters: [(data) => ({ ...data, initiatedBy: 'customer' })],
  }),
  entry('RelationshipManagerAssigned', [P.RelationshipManagerAssignedV1]),
  entry('RmContactLogged', [P.RmContactLoggedV1]),
  entry('CampaignOffered', [P.CampaignOfferedV1]),
  entry('CampaignResponded', [P.CampaignRespondedV1]),
  entry('ComplaintFiled', [P.ComplaintFiledV1]),
  entry('ComplaintResolved', [P.ComplaintResolvedV1]),
  entry('SatisfactionSurveyed', [P.SatisfactionSurveyedV1], { personalDataFields: ['comment'] }),
  entry('ReferralMade', [P.ReferralMadeV1]),
  entry('ConsentChanged', [P.ConsentChangedV1]),
  entry('PersonalDataErased', [P.PersonalDataErasedV1]),
  entry(SYSTEM_EVENT_TYPES.inactivityThresholdReached, [P.InactivityThresholdReachedV1], {
    systemOnly: true,
  }),
  entry(SYSTEM_EVENT_TYPES.reactivationWatchEnded, [P.ReactivationWatchEndedV1], {
    systemOnly: true,
  }),
  entry(SYSTEM_EVENT_TYPES.rmContactOverdue, [P.RmContactOverdueV1], { systemOnly: true }),
  entry(SYSTEM_EVENT_TYPES.tierDowngradeGraceExpired, [P.TierDowngradeGraceExpiredV1], {
    systemOnly: true,
  }),
]);

export const TOUCHPOINT_TYPES: readonly string[] = [...CATALOG.keys()];

export function schemaFor(type: string, version: number): TouchpointSchema | undefined {
  return CATALOG.get(type)?.versions[version - 1];
}

export function latestVersion(type: string): number | undefined {
  return CATALOG.get(type)?.versions.length;
}

/** The event at its type's latest version; events of unknown types pass through unchanged. */
export function upcast<E extends DomainEvent>(event: E): E {
  const known = CATALOG.get(event.type);
  if (!known || event.version >= known.versions.length) return event;
  let data = event.data;
  for (let version = event.version; version < known.versions.length; version++) {
    data = known.upcasters[version - 1](data);
  }
  return { ...event, version: known.versions.length, data };
}
