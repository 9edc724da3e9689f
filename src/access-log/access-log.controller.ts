import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, Max, Min } from 'class-validator';
import { RequiresRole } from '../security/api-key.guard';
import { RequestValidationError } from '../http/errors/errors';
import { ApiAnswer, ApiQueryFrom } from '../http/openapi';
import type { AccessLogAnswer } from '../http/responses';
import { parseQuery } from '../http/errors/validation-errors';
import { customerIdParam } from '../ingest/touchpoint.dto';
import { ACCESS_LOG, AccessLog } from './access-log.port';

const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value;

export class AccessLogParams {
  @IsOptional()
  @IsString()
  customerId?: string;

  /** Inclusive. */
  @IsOptional()
  @IsISO8601(
    { strict: true, strictSeparator: true },
    { message: 'from must be an ISO 8601 instant, e.g. 2026-12-01T00:00:00Z' },
  )
  from?: string;

  /** Exclusive. */
  @IsOptional()
  @IsISO8601(
    { strict: true, strictSeparator: true },
    { message: 'to must be an ISO 8601 instant, e.g. 2026-12-02T00:00:00Z' },
  )
  to?: string;

  @IsOptional()
  @IsString()
  after?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  limit?: number;
}

/**
 * For auditors: who read personal data or acted with privilege, on which customer, why, when and
 * with which outcome. Oldest first, paged by cursor.
 */
@ApiTags('audit')
@RequiresRole('audit')
@Controller('v1/audit/access')
export class AccessLogController {
  constructor(@Inject(ACCESS_LOG) private readonly log: AccessLog) {}

  @Get()
  @ApiOperation({ summary: 'The access log: reads of personal data and privileged actions' })
  @ApiQueryFrom(AccessLogParams)
  @ApiAnswer(200, 'AccessLogAnswer', 'a page of access records, oldest first')
  async list(@Query() query: Record<string, unknown>): Promise<AccessLogAnswer> {
    const params = parseQuery(AccessLogParams, query);
    if (params.customerId !== undefined) customerIdParam(params.customerId);
    const instant = (field: 'from' | 'to', value: string | undefined) => {
      if (value === undefined) return undefined;
      const ms = Date.parse(value);
      if (!Number.isFinite(ms))
        throw new RequestValidationError([
          {
            field,
            rule: 'isISO8601',
            message: `${field} must be an instant like 2026-12-01T00:00:00Z`,
          },
        ]);
      return new Date(ms).toISOString();
    };
    try {
      return await this.log.list({
        customerId: params.customerId,
        from: instant('from', params.from),
        to: instant('to', params.to),
        after: params.after,
        limit: params.limit ?? DEFAULT_PAGE,
      });
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('invalid cursor'))
        throw new RequestValidationError([
          {
            field: 'after',
            rule: 'isCursor',
            message: 'after must be a cursor returned by this log',
          },
        ]);
      throw error;
    }
  }
}
