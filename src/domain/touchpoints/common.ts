import {
  IsIn,
  IsISO4217CurrencyCode,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { CHANNELS, PRODUCT_TYPES } from '../../../projections/vocabulary';

/** Ids the bank's systems assign (products, accounts, RMs, branches, campaigns...). */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
export const ID_MESSAGE =
  '$property must be 1-64 letters, digits or ._:- starting with a letter or digit';
export const IsBankId = () => Matches(ID_PATTERN, { message: ID_MESSAGE });

/** Integer minor units as a decimal string: exact beyond 2^53 (DESIGN.md rule 8). */
export const MINOR_UNITS_PATTERN = /^-?\d{1,30}$/;
export const IsMinorUnits = () =>
  Matches(MINOR_UNITS_PATTERN, {
    message: '$property must be an integer amount in minor units, as a string',
  });

export const IsInstant = () => IsISO8601({ strict: true, strictSeparator: true });

export const IsChannel = () => IsIn(CHANNELS);
export const IsProductType = () => IsIn(PRODUCT_TYPES);

export class Money {
  @IsString()
  @IsMinorUnits()
  amountMinor!: string;

  @IsISO4217CurrencyCode()
  currency!: string;
}

/**
 * Personal data. Every payload field of this type is listed in its schema's
 * `personalDataFields`, so it can be encrypted with the customer's key and never reaches logs
 * or Kafka (DESIGN.md rule 9).
 */
export class PersonalDetails {
  @IsOptional()
  @IsString()
  @MaxLength(200)
  fullName?: string;

  @IsOptional()
  @Matches(/^\+?[0-9 ()-]{5,32}$/, { message: '$property must be a phone number' })
  phone?: string;

  @IsOptional()
  @Matches(/^[^\s@]{1,64}@[^\s@]{1,255}$/, { message: '$property must be an email address' })
  email?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  nationalId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  address?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  dateOfBirth?: string;
}
