import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { TOUCHPOINT_TYPES } from '../domain/touchpoints';
import { RequestValidationError } from '../http/errors/errors';

/** Customer ids are the bank's own pseudonymous keys, never names or national ids. */
export const CUSTOMER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const CUSTOMER_ID_RULE =
  'must be 1-64 letters, digits, "_" or "-", starting with a letter or digit';

/** A customer id from a URL path, or a 400 naming the rule. */
export function customerIdParam(customerId: string): string {
  if (!CUSTOMER_ID_PATTERN.test(customerId)) {
    throw new RequestValidationError([
      { field: 'customerId', rule: 'matches', message: `customerId ${CUSTOMER_ID_RULE}` },
    ]);
  }
  return customerId;
}

export class TouchpointMetadataDto {
  @IsOptional()
  @IsString()
  @MaxLength(128)
  correlationId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(128)
  causationId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  sourceSystem?: string;
}

/** The envelope every touchpoint shares; `data` is checked against its type's own schema. */
export class TouchpointDto {
  @IsUUID('all')
  eventId!: string;

  @IsString()
  @Matches(CUSTOMER_ID_PATTERN, { message: `customerId ${CUSTOMER_ID_RULE}` })
  customerId!: string;

  @IsString()
  @IsIn(TOUCHPOINT_TYPES)
  type!: string;

  /** Schema version of `data`; the type's latest when omitted. */
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;

  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(/(Z|[+-]\d{2}:\d{2})$/, { message: 'occurredAt must carry a time zone (Z or ±hh:mm)' })
  occurredAt!: string;

  @IsObject()
  data!: Record<string, unknown>;

  @IsOptional()
  @ValidateNested()
  @Type(() => TouchpointMetadataDto)
  metadata?: TouchpointMetadataDto;
}
