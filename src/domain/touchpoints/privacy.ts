/** Consent per purpose and the erasure of personal data. */
import { IsBoolean, IsIn } from 'class-validator';
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

/** The customer's key is shredded; her behavioural history stays, her identity does not. */
export class PersonalDataErasedV1 {
  @IsIdentifier() requestId!: string;
  @IsIn(ERASURE_REASONS) reason!: string;
}
