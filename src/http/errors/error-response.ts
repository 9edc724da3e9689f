import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { FieldError } from './errors';

/** One refused field, in every 4xx body that names fields. */
export class FieldErrorResponse implements FieldError {
  @ApiProperty({ example: 'data.balanceMinor', description: 'the field, by its path' })
  readonly field!: string;

  @ApiProperty({ example: 'isMinorUnits', description: 'the rule it broke' })
  readonly rule!: string;

  @ApiProperty({ example: 'data.balanceMinor must be an integer amount in minor units' })
  readonly message!: string;
}

/**
 * The body of every error answer (http-exception.filter.ts builds it; openapi.ts declares it on
 * every route): one class for both, so the document and the answers cannot drift apart.
 */
export class ErrorResponse {
  @ApiProperty({ example: 400 })
  readonly statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  readonly error!: string;

  @ApiProperty({ example: 'data.balanceMinor: must be an integer amount in minor units' })
  readonly message!: string;

  @ApiPropertyOptional({ type: [FieldErrorResponse] })
  readonly errors?: readonly FieldErrorResponse[];
}
