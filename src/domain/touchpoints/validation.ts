/**
 * Field rules shared by the payload schemas. Amounts are integer minor units in a decimal
 * string (they can exceed 2^53), instants are ISO 8601 UTC, identifiers are opaque tokens.
 */
import 'reflect-metadata';
import { ValidateBy, type ValidationOptions, buildMessage } from 'class-validator';

export const MINOR_UNITS = /^-?\d{1,30}$/;
export const NON_NEGATIVE_MINOR_UNITS = /^\d{1,30}$/;
export const CURRENCY_CODE = /^[A-Z]{3}$/;
export const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const UTC_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?Z$/;

/** True for a real calendar instant written in UTC ("2024-02-30T..." is refused). */
export function isUtcInstant(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = UTC_INSTANT.exec(value);
  if (m === null) return false;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return (
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi
  );
}

export function IsUtcInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isUtcInstant',
      validator: {
        validate: isUtcInstant,
        defaultMessage: buildMessage(
          (each) => `${each}$property must be an ISO 8601 UTC instant`,
          options,
        ),
      },
    },
    options,
  );
}

function patternRule(
  name: string,
  pattern: RegExp,
  what: string,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && pattern.test(value),
        defaultMessage: buildMessage((each) => `${each}$property must be ${what}`, options),
      },
    },
    options,
  );
}

export const IsMinorUnits = (options?: ValidationOptions): PropertyDecorator =>
  patternRule(
    'isMinorUnits',
    MINOR_UNITS,
    'an integer amount in minor units as a decimal string',
    options,
  );

export const IsNonNegativeMinorUnits = (options?: ValidationOptions): PropertyDecorator =>
  patternRule(
    'isNonNegativeMinorUnits',
    NON_NEGATIVE_MINOR_UNITS,
    'a non-negative integer amount in minor units as a decimal string',
    options,
  );

export const IsCurrencyCode = (options?: ValidationOptions): PropertyDecorator =>
  patternRule('isCurrencyCode', CURRENCY_CODE, 'an ISO 4217 currency code', options);

export const IsIdentifier = (options?: ValidationOptions): PropertyDecorator =>
  patternRule(
    'isIdentifier',
    IDENTIFIER,
    'an identifier of 1-64 letters, digits, ".", "_", ":" or "-"',
    options,
  );

const personalData = new Map<object, string[]>();

/**
 * Marks a top-level payload field as personal data: it is to be stored encrypted under the
 * customer's key and never logged or published. Only top-level fields are marked so the
 * encryption layer can replace whole values without knowing each schema's nesting.
 */
export function PersonalData(): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    const ctor = target.constructor;
    personalData.set(ctor, [...(personalData.get(ctor) ?? []), String(property)].sort());
  };
}

export function personalDataFieldsOf(payload: new () => object): readonly string[] {
  return personalData.get(payload) ?? [];
}
