/** Engagement: channel use, campaigns, satisfaction and referrals. */
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { CHANNELS, PRODUCT_TYPES } from '../../../projections/vocabulary';
import { IsIdentifier } from './validation';

export const INTERACTION_PURPOSES = [
  'login',
  'balance-enquiry',
  'payment',
  'service-request',
  'product-enquiry',
  'advice',
] as const;

export class ChannelInteractionV1 {
  @IsIn(CHANNELS) channel!: string;
  @IsIn(INTERACTION_PURPOSES) purpose!: string;
  @IsOptional() @IsIdentifier() branchId?: string;
}

export const INTERACTION_OUTCOMES = ['completed', 'abandoned', 'escalated', 'unknown'] as const;

/** v2 adds the outcome, so abandoned journeys can be told from completed ones. */
export class ChannelInteractionV2 {
  @IsIn(CHANNELS) channel!: string;
  @IsIn(INTERACTION_PURPOSES) purpose!: string;
  @IsOptional() @IsIdentifier() branchId?: string;
  @IsIn(INTERACTION_OUTCOMES) outcome!: string;
}

export class CampaignOfferedV1 {
  @IsIdentifier() campaignId!: string;
  @IsIdentifier() offerId!: string;
  @IsIn(CHANNELS) channel!: string;
  @IsOptional() @IsIn(PRODUCT_TYPES) productType?: string;
}

export const CAMPAIGN_RESPONSES = ['clicked', 'accepted', 'declined'] as const;

export class CampaignRespondedV1 {
  @IsIdentifier() campaignId!: string;
  @IsIdentifier() offerId!: string;
  @IsIn(CAMPAIGN_RESPONSES) response!: string;
  @IsIn(CHANNELS) channel!: string;
}

export class SatisfactionSurveyedV1 {
  @IsIdentifier() surveyId!: string;
  @IsInt() @Min(0) @Max(10) nps!: number;
  @IsIn(CHANNELS) channel!: string;
}

export class ReferralMadeV1 {
  @IsIdentifier() referralId!: string;
  @IsIn(CHANNELS) channel!: string;
  /** Set once the referred person becomes a customer herself. */
  @IsOptional() @IsIdentifier() referredCustomerId?: string;
}
