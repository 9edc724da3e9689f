/**
 * Events the scheduler appends when a time threshold passes (see projections/thresholds.ts).
 * Each names what it was measured from, so a projection can tell a stale one and ignore it.
 */
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { INACTIVITY_THRESHOLDS, VALUE_TIERS } from '../../../projections/vocabulary';
import { IsIdentifier, IsUtcInstant } from './validation';

export class InactivityThresholdReachedV1 {
  @IsIn(INACTIVITY_THRESHOLDS) threshold!: string;
  @IsUtcInstant() inactiveSince!: string;
  @IsIdentifier() policyVersion!: string;
}

export class ReactivationWatchEndedV1 {
  @IsUtcInstant() reactivatedAt!: string;
  @IsIdentifier() policyVersion!: string;
}

export class RmContactOverdueV1 {
  @IsIdentifier() rmId!: string;
  @IsUtcInstant() dueAt!: string;
  @IsOptional() @IsUtcInstant() lastContactAt?: string;
  @IsIdentifier() policyVersion!: string;
}

export class TierDowngradeGraceExpiredV1 {
  @IsIn(VALUE_TIERS) currentTier!: string;
  @IsUtcInstant() graceStartedAt!: string;
  @IsIdentifier() policyVersion!: string;
}

/** An administrator's legal hold on a customer's erasure, set or lifted (`reference`: the case). */
export class LegalHoldChangedV1 {
  @IsBoolean() held!: boolean;
  @IsIdentifier() reference!: string;
}
