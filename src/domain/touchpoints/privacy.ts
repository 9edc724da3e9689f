/** Consent per purpose and the erasure of personal data. */
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { CHANNELS, CONSENT_PURPOSES } from '../../../projections/vocabulary';
import { IsIdentifier } from './validation';

export class ConsentChangedV1 {
  @IsIn(CONSENT_PURPOSES) purpose!: string;
  @IsBoolean() granted!: boolean;
  @IsIn(CHANNELS) channel!: string;
}

export const ERASURE_REASONS = [
  'customer-request',
  'retention-expired',
  'regulator-order',
] as const;

/**
 * The customer asked to be forgotten. Erased at once when no anti-money-laundering retention
 * applies; otherwise her data is restricted until the window ends (README, "Personal data").
 */
export class PersonalDataErasureRequestedV1 {
  @IsIdentifier() requestId!: string;
  @IsOptional() @IsIn(CHANNELS) channel?: string;
}

/** The customer's key is shredded; her behavioural history stays, her identity does not. */
export class PersonalDataErasedV1 {
  @IsIdentifier() requestId!: string;
  @IsIn(ERASURE_REASONS) reason!: string;
}
