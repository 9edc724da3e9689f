import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FieldErrorResponse } from '../http/errors/error-response';

const STATUSES = ['appended', 'duplicate', 'invalid', 'rejected', 'conflict', 'failed'] as const;

/** What happened to one touchpoint (ItemResult in ingest.service.ts, as JSON). */
export class TouchpointResultResponse {
  @ApiProperty({ description: 'the item’s place in the request (0 for a single touchpoint)' })
  readonly index!: number;

  @ApiPropertyOptional({ description: 'as sent (an invalid item may not carry a UUID)' })
  readonly eventId?: string;

  @ApiProperty({ enum: STATUSES })
  readonly status!: (typeof STATUSES)[number];

  @ApiPropertyOptional({ description: 'stream revision (appended, duplicate)' })
  readonly revision?: number;

  @ApiPropertyOptional({
    description: 'global position, a decimal string: pass it as minPosition to read your writes',
    pattern: '^\\d+$',
  })
  readonly position?: string;

  @ApiPropertyOptional({
    description:
      'PersonalDataErasureRequested carried out at once (no AML retention, no legal hold): the PersonalDataErased event appended with it',
  })
  readonly erasedBy?: string;

  @ApiPropertyOptional({
    description: 'the rule that refused or failed it (rejected, failed), e.g. event-id-reused',
  })
  readonly rule?: string;

  @ApiPropertyOptional()
  readonly message?: string;

  @ApiPropertyOptional({ description: 'the field the rule is about (rejected)' })
  readonly field?: string;

  @ApiPropertyOptional({ type: [FieldErrorResponse], description: 'field errors (invalid)' })
  readonly errors?: readonly FieldErrorResponse[];
}

/** The answer to a batch: counts per outcome, then one result per item in request order. */
export class BatchResultResponse {
  @ApiProperty() readonly appended!: number;
  @ApiProperty() readonly duplicate!: number;
  @ApiProperty() readonly invalid!: number;
  @ApiProperty() readonly rejected!: number;
  @ApiProperty() readonly conflict!: number;
  @ApiProperty() readonly failed!: number;

  @ApiPropertyOptional({ pattern: '^\\d+$', description: 'highest position written' })
  readonly position?: string;

  @ApiProperty({ type: [TouchpointResultResponse] })
  readonly results!: readonly TouchpointResultResponse[];
}
