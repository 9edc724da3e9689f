/** Relationship management: RM assignment and RM contacts. */
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsIdentifier } from './validation';

export const ASSIGNMENT_REASONS = [
  'onboarding',
  'tier-change',
  'rm-departure',
  'customer-request',
  'portfolio-rebalance',
] as const;

export class RelationshipManagerAssignedV1 {
  @IsIdentifier() rmId!: string;
  @IsIdentifier() branchId!: string;
  @IsIn(ASSIGNMENT_REASONS) reason!: string;
}

export const CONTACT_TYPES = ['meeting', 'call', 'video', 'message', 'email'] as const;
export const CONTACT_OUTCOMES = ['reached', 'no-answer', 'declined'] as const;

/** Only a contact that reached the customer counts for coverage. */
export class RmContactLoggedV1 {
  @IsIdentifier() rmId!: string;
  @IsIn(CONTACT_TYPES) contactType!: string;
  @IsIn(['rm', 'customer']) initiatedBy!: string;
  @IsIn(CONTACT_OUTCOMES) outcome!: string;
  @IsOptional() @IsInt() @Min(1) @Max(600) durationMinutes?: number;
}
