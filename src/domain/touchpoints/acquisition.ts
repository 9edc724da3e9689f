/** Becoming a customer: prospects, the legacy book, KYC and profile changes. */
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import {
  CHANNELS,
  LIFECYCLE_STAGES,
  PRODUCT_TYPES,
  VALUE_TIERS,
} from '../../../projections/vocabulary';
import {
  IsCurrencyCode,
  IsIdentifier,
  IsMinorUnits,
  IsUtcInstant,
  PersonalData,
} from './validation';

const PHONE = /^\+[1-9]\d{6,14}$/;

export const PROSPECT_SOURCES = [
  'branch-walk-in',
  'website',
  'mobile-app',
  'referral',
  'campaign',
  'partner',
] as const;

export class ProspectCapturedV1 {
  @IsIn(PROSPECT_SOURCES) source!: (typeof PROSPECT_SOURCES)[number];
  @IsIn(CHANNELS) channel!: string;
  @IsOptional() @IsIdentifier() branchId?: string;
  @IsOptional() @IsIdentifier() campaignId?: string;
  @IsOptional() @IsIdentifier() referralId?: string;
  @PersonalData() @IsString() @Length(1, 200) fullName!: string;
  @PersonalData() @IsOptional() @IsEmail() email?: string;
  @PersonalData()
  @IsOptional()
  @Matches(PHONE, { message: 'phone must be in E.164 form' })
  phone?: string;
}

export class ImportedProduct {
  @IsIdentifier() accountId!: string;
  @IsIn(PRODUCT_TYPES) productType!: string;
  @IsIdentifier() productCode!: string;
  @IsCurrencyCode() currency!: string;
  @IsUtcInstant() openedAt!: string;
  /** Balance at the import instant, in the account's currency. */
  @IsOptional() @IsMinorUnits() balanceMinor?: string;
}

export class ImportedRelationshipManager {
  @IsIdentifier() rmId!: string;
  @IsIdentifier() branchId!: string;
}

/** A customer migrated from a legacy CRM with her current book, so history can start today. */
export class CustomerImportedV1 {
  @IsIdentifier() sourceSystem!: string;
  @IsIdentifier() legacyCustomerRef!: string;
  @IsUtcInstant() tenureStartedAt!: string;
  @IsOptional() @IsUtcInstant() lastActivityAt?: string;
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => ImportedProduct)
  products!: ImportedProduct[];
  @IsOptional()
  @ValidateNested()
  @Type(() => ImportedRelationshipManager)
  relationshipManager?: ImportedRelationshipManager;
  @IsOptional() @IsIn(LIFECYCLE_STAGES) legacyStage?: string;
  @IsOptional() @IsIn(VALUE_TIERS) legacyTier?: string;
  @PersonalData() @IsString() @Length(1, 200) fullName!: string;
  @PersonalData() @IsOptional() @IsString() @Length(4, 40) nationalId?: string;
  @PersonalData() @IsOptional() @IsEmail() email?: string;
  @PersonalData()
  @IsOptional()
  @Matches(PHONE, { message: 'phone must be in E.164 form' })
  phone?: string;
}

export const KYC_METHODS = ['in-branch', 'video', 'electronic-id', 'document-upload'] as const;
export const KYC_LEVELS = ['simplified', 'standard', 'enhanced'] as const;
export const IDENTITY_DOCUMENTS = ['national-id', 'passport', 'residence-permit'] as const;

export class KycVerifiedV1 {
  @IsIn(KYC_METHODS) method!: string;
  @IsIn(KYC_LEVELS) level!: string;
  @IsIn(IDENTITY_DOCUMENTS) documentType!: string;
  @PersonalData() @IsString() @Length(4, 40) documentNumber!: string;
  @IsUtcInstant() expiresAt!: string;
}

export const KYC_EXPIRY_REASONS = [
  'document-expired',
  'periodic-review-due',
  'information-outdated',
] as const;

export class KycExpiredV1 {
  @IsIn(KYC_EXPIRY_REASONS) reason!: string;
}

export class PostalAddress {
  @IsString() @Length(1, 200) line1!: string;
  @IsOptional() @IsString() @Length(1, 200) line2?: string;
  @IsString() @Length(1, 100) city!: string;
  @IsOptional() @IsString() @Length(1, 20) postalCode?: string;
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code' })
  country!: string;
}

/** Only the changed fields are present; the decider refuses an update that changes nothing. */
export class ProfileUpdatedV1 {
  @PersonalData() @IsOptional() @IsString() @Length(1, 200) fullName?: string;
  @PersonalData() @IsOptional() @IsEmail() email?: string;
  @PersonalData()
  @IsOptional()
  @Matches(PHONE, { message: 'phone must be in E.164 form' })
  phone?: string;
  @PersonalData()
  @IsOptional()
  @ValidateNested()
  @Type(() => PostalAddress)
  address?: PostalAddress;
  @IsOptional()
  @Matches(/^[a-z]{2}(-[A-Z]{2})?$/, {
    message: 'preferredLanguage must be a BCP 47 tag like zh-CN',
  })
  preferredLanguage?: string;
  @IsOptional() @IsIn(CHANNELS) channel?: string;
}
