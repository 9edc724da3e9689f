import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { IsISO8601, IsOptional, Matches } from 'class-validator';
import { Policy } from '../../projections';
import { POLICY } from '../config/policy.provider';
import { customerStreamId, EVENT_STORE, EventStore } from '../event-store/event-store.port';
import { AccessAudited } from '../access-log/access-audit';
import { RequiresRole } from '../http/api-key.guard';
import { NotFoundError, RequestValidationError } from '../http/errors';
import { ApiAnswer, ApiQueryFrom } from '../http/openapi';
import type { CustomerReplayAnswer } from '../http/responses';
import { parseQuery } from '../http/validation-errors';
import { customerIdParam } from '../ingest/touchpoint.dto';
import { AsOf, replayCustomer } from './customer-replay';

const PAGE = 1000;

export class ReplayParams {
  @IsOptional()
  @IsISO8601(
    { strict: true, strictSeparator: true },
    { message: 'asOf must be an ISO 8601 instant, e.g. 2026-03-01T00:00:00Z' },
  )
  asOf?: string;

  @IsOptional()
  @Matches(/^\d{1,20}$/, {
    message: 'asOfPosition must be a global position as returned by ingest',
  })
  asOfPosition?: string;
}

/**
 * For auditors: what the service knew of a customer at a past moment, and why. The customer's
 * events recorded by then are replayed through the same pure projection the read models use.
 */
@ApiTags('audit')
@RequiresRole('audit')
@Controller('v1/customers/:customerId/replay')
export class CustomerReplayController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}

  @Get()
  @AccessAudited('read-personal-data', { purposeRequired: true })
  @ApiOperation({
    summary: 'The customer 360 as known at an instant or position, with what each event changed',
  })
  @ApiQueryFrom(ReplayParams)
  @ApiAnswer(200, 'CustomerReplayAnswer', 'the replayed 360 with what each event changed')
  async replay(
    @Param('customerId') customerId: string,
    @Query() query: Record<string, unknown>,
  ): Promise<CustomerReplayAnswer> {
    customerIdParam(customerId);
    const params = parseQuery(ReplayParams, query);
    if (params.asOf !== undefined && params.asOfPosition !== undefined) {
      throw new RequestValidationError([
        {
          field: 'asOfPosition',
          rule: 'exclusive',
          message: 'give asOf or asOfPosition, not both',
        },
      ]);
    }
    const asOf: AsOf =
      params.asOf !== undefined
        ? { kind: 'recordedAt', recordedAt: new Date(params.asOf).toISOString() }
        : params.asOfPosition !== undefined
          ? { kind: 'position', position: BigInt(params.asOfPosition) }
          : { kind: 'now' };

    const stream = await this.readWholeStream(customerId);
    const replay = replayCustomer(customerId, stream, asOf, this.policy);
    if (replay.knownEvents === 0) {
      throw new NotFoundError(
        stream.length === 0 ? `customer ${customerId}` : `customer ${customerId} as of then`,
      );
    }
    return replay;
  }

  private async readWholeStream(customerId: string) {
    const events = [];
    for (;;) {
      const page = await this.store.readStream(customerStreamId(customerId), {
        fromRevision: events.length,
        maxCount: PAGE,
      });
      events.push(...page);
      if (page.length < PAGE) return events;
    }
  }
}
