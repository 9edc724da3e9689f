import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  CONSENT_PURPOSES,
  INACTIVITY_THRESHOLDS,
  LIFECYCLE_STAGES,
  VALUE_TIERS,
} from '../../../projections/vocabulary';
import { IsBankId, IsChannel, IsInstant, IsProductType, Money, PersonalDetails } from './common';

/*
 * Payload schemas of every touchpoint, one class per (type, version). Each property carries
 * class-validator rules; ingest refuses unknown properties. Amounts are Money (minor units).
 */

// --- acquisition and identity ---------------------------------------------------------------

export class ProspectCapturedV1 {
  @IsChannel()
  channel!: string;

  @IsOptional()
  @IsBankId()
  branchId?: string;

  @IsOptional()
  @IsBankId()
  campaignId?: string;

  @IsOptional()
  @IsBankId()
  referralCode?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => PersonalDetails)
  personal?: PersonalDetails;
}

export class LegacyProduct {
  @IsBankId()
  productId!: string;

  @IsProductType()
  productType!: string;

  @IsInstant()
  openedAt!: string;
}

export class LegacyBalance {
  @IsBankId()
  productId!: string;

  @ValidateNested()
  @Type(() => Money)
  balance!: Money;

  @IsInstant()
  asOf!: string;
}

/** Migration from a legacy CRM: a snapshot of the customer's book on the day of import. */
export class CustomerImportedV1 {
  @IsString()
  @MaxLength(64)
  legacySystem!: string;

  @IsBankId()
  legacyCustomerRef!: string;

  /** Start of the relationship (tenure counts from here, not from the import). */
  @IsInstant()
  customerSince!: string;

  @IsOptional()
  @IsBankId()
  branchId?: string;

  @IsOptional()
  @IsBankId()
  rmId?: string;

  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => LegacyProduct)
  products!: LegacyProduct[];

  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => LegacyBalance)
  balances!: LegacyBalance[];

  /** What the legacy CRM called the customer, kept for audit; our projections derive their own. */
  @IsOptional()
  @IsIn(LIFECYCLE_STAGES)
  legacyStage?: string;

  @IsOptional()
  @IsIn(VALUE_TIERS)
  legacyTier?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => PersonalDetails)
  personal?: PersonalDetails;
}

export class KycVerifiedV1 {
  @IsIn(['simplified', 'standard', 'enhanced'])
  level!: string;

  @IsInstant()
  expiresAt!: string;

  @IsOptional()
  @IsBankId()
  verifiedBy?: string;
}

export class KycExpiredV1 {
  @IsIn(['document-expired', 'periodic-review-due', 'risk-triggered'])
  reason!: string;
}

export class ProfileUpdatedV1 {
  @ValidateNested()
  @Type(() => PersonalDetails)
  personal!: PersonalDetails;

  @IsChannel()
  channel!: string;
}

// --- products and money -----------------------------------------------------------------------

export class ProductOpenedV1 {
  @IsBankId()
  productId!: string;

  @IsProductType()
  productType!: string;

  @IsChannel()
  channel!: string;

  @IsOptional()
  @IsBankId()
  branchId?: string;

  /** Credit limit or loan principal, where the product has one. */
  @IsOptional()
  @ValidateNested()
  @Type(() => Money)
  limit?: Money;
}

export class ProductClosedV1 {
  @IsBankId()
  productId!: string;

  @IsIn(['customer-request', 'matured', 'paid-off', 'bank-initiated', 'dormancy', 'deceased'])
  reason!: string;

  @IsOptional()
  @IsChannel()
  channel?: string;
}

/** A daily end-of-day balance snapshot of one product (account). */
export class BalanceReportedV1 {
  @IsBankId()
  productId!: string;

  @ValidateNested()
  @Type(() => Money)
  balance!: Money;
}

export class TransactionPostedV1 {
  @IsBankId()
  productId!: string;

  @IsBankId()
  transactionId!: string;

  @IsIn(['credit', 'debit'])
  direction!: string;

  @ValidateNested()
  @Type(() => Money)
  amount!: Money;

  @IsIn([
    'salary',
    'transfer',
    'card-payment',
    'cash',
    'fee',
    'interest',
    'investment',
    'loan-repayment',
    'other',
  ])
  category!: string;

  @IsChannel()
  channel!: string;
}

// --- interactions -------------------------------------------------------------------------------

export const INTERACTION_KINDS = [
  'login',
  'branch-visit',
  'call',
  'atm-withdrawal',
  'chat',
  'statement-view',
  'service-request',
] as const;

export class ChannelInteractionV1 {
  @IsChannel()
  channel!: string;

  @IsIn(INTERACTION_KINDS)
  interaction!: string;

  @IsOptional()
  @IsBankId()
  branchId?: string;
}

/** v2 says who started the interaction: only customer-initiated activity counts as activity. */
export class ChannelInteractionV2 extends ChannelInteractionV1 {
  @IsIn(['customer', 'bank'])
  initiatedBy!: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(86_400)
  durationSeconds?: number;
}

export class RelationshipManagerAssignedV1 {
  @IsBankId()
  rmId!: string;

  @IsOptional()
  @IsBankId()
  branchId?: string;

  @IsIn(['onboarding', 'tier-change', 'rm-left', 'customer-request', 'portfolio-rebalance'])
  reason!: string;
}

export class RmContactLoggedV1 {
  @IsBankId()
  rmId!: string;

  @IsIn(['branch', 'phone', 'video', 'messaging', 'visit', 'email'])
  medium!: string;

  @IsIn(['reached', 'no-answer', 'meeting-held', 'follow-up-scheduled'])
  outcome!: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1440)
  durationMinutes?: number;
}

export class CampaignOfferedV1 {
  @IsBankId()
  campaignId!: string;

  @IsBankId()
  offerId!: string;

  @IsChannel()
  channel!: string;

  @IsOptional()
  @IsProductType()
  productType?: string;
}

export class CampaignRespondedV1 {
  @IsBankId()
  campaignId!: string;

  @IsBankId()
  offerId!: string;

  @IsIn(['accepted', 'declined', 'clicked', 'unsubscribed'])
  response!: string;

  @IsChannel()
  channel!: string;
}

export class ComplaintFiledV1 {
  @IsBankId()
  complaintId!: string;

  @IsIn(['fees', 'service', 'fraud', 'product', 'digital', 'staff', 'other'])
  category!: string;

  @IsIn(['low', 'medium', 'high'])
  severity!: string;

  @IsChannel()
  channel!: string;
}

export class ComplaintResolvedV1 {
  @IsBankId()
  complaintId!: string;

  @IsIn(['upheld', 'partially-upheld', 'rejected', 'withdrawn'])
  resolution!: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => Money)
  compensation?: Money;
}

export class SatisfactionSurveyedV1 {
  @IsBankId()
  surveyId!: string;

  @IsInt()
  @Min(0)
  @Max(10)
  nps!: number;

  @IsOptional()
  @IsChannel()
  channel?: string;

  /** Free text can name people: treated as personal data. */
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string;
}

export class ReferralMadeV1 {
  @IsBankId()
  referralCode!: string;

  @IsOptional()
  @IsBankId()
  referredCustomerId?: string;
}

export class ConsentChangedV1 {
  @IsIn(CONSENT_PURPOSES)
  purpose!: string;

  @IsBoolean()
  granted!: boolean;

  @IsChannel()
  channel!: string;
}

export class PersonalDataErasedV1 {
  @IsBankId()
  requestId!: string;

  @IsIn(['gdpr-art-17', 'pipl-art-47', 'customer-request', 'retention-expired'])
  legalBasis!: string;
}

// --- system events, appended by the engine's scheduler ------------------------------------------

export class InactivityThresholdReachedV1 {
  @IsIn(INACTIVITY_THRESHOLDS)
  threshold!: string;

  @IsInstant()
  lastActivityAt!: string;

  @IsString()
  policyVersion!: string;
}

export class ReactivationWatchEndedV1 {
  @IsInstant()
  reactivatedAt!: string;

  @IsString()
  policyVersion!: string;
}

export class RmContactOverdueV1 {
  @IsBankId()
  rmId!: string;

  @IsInstant()
  dueAt!: string;

  @IsString()
  policyVersion!: string;
}

export class TierDowngradeGraceExpiredV1 {
  @IsIn(VALUE_TIERS)
  fromTier!: string;

  @IsIn(VALUE_TIERS)
  toTier!: string;

  @IsInstant()
  belowSince!: string;

  @IsString()
  policyVersion!: string;
}
