import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { IsISO8601, IsOptional, Matches } from 'class-validator';
import { PolicyTimeline } from '../policy-history/policy-timeline';
import { POLICY_TIMELINE } from '../policy-history/policy-timeline.provider';
import {
  customerStreamId,
  EVENT_STORE,
  EventStore,
  RecordedEvent,
} from '../event-store/event-store.port';
import { AccessAudited } from '../access-log/access-audit';
import { RequiresRole } from '../security/api-key.guard';
import { NotFoundError, RequestValidationError } from '../http/errors/errors';
import { ApiAnswer, ApiQueryFrom } from '../http/openapi';
import type { CustomerReplayAnswer } from '../http/responses';
import { parseQuery } from '../http/errors/validation-errors';
import { customerIdParam } from '../ingest/touchpoint.dto';
import { AsOf, replayCustomer } from './customer-replay';

const PAGE = 1000;

/** When an auditor's question is about (replay, explain): an instant or a position, else now. */
export class AsOfParams {
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

/** The moment asked about: `asOf` (recorded by then) or `asOfPosition`, not both; else now. */
function parseAsOf(query: Record<string, unknown>): AsOf {
  const params = parseQuery(AsOfParams, query);
  if (params.asOf !== undefined && params.asOfPosition !== undefined) {
    throw new RequestValidationError([
      {
        field: 'asOfPosition',
        rule: 'exclusive',
        message: 'give asOf or asOfPosition, not both',
      },
    ]);
  }
  return params.asOf !== undefined
    ? { kind: 'recordedAt', recordedAt: new Date(params.asOf).toISOString() }
    : params.asOfPosition !== undefined
      ? { kind: 'position', position: BigInt(params.asOfPosition) }
      : { kind: 'now' };
}

/** A customer's whole stream, page by page. */
async function readWholeStream(store: EventStore, customerId: string): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for (;;) {
    const page = await store.readStream(customerStreamId(customerId), {
      fromRevision: events.length,
      maxCount: PAGE,
    });
    events.push(...page);
    if (page.length < PAGE) return events;
  }
}

/**
 * An auditor's question about a customer (replay, explain): her id and the moment checked (400
 * naming the field), and her whole stream, to be cut at that moment.
 */
export async function readQuestion(
  store: EventStore,
  customerId: string,
  query: Record<string, unknown>,
): Promise<{ readonly asOf: AsOf; readonly stream: RecordedEvent[] }> {
  customerIdParam(customerId);
  const asOf = parseAsOf(query);
  return { asOf, stream: await readWholeStream(store, customerId) };
}

/** The 404 of a question about a customer of whom nothing was recorded by then. */
export function nothingKnown(customerId: string, stream: readonly RecordedEvent[]): NotFoundError {
  return new NotFoundError(
    stream.length === 0 ? `customer ${customerId}` : `customer ${customerId} as of then`,
  );
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
    @Inject(POLICY_TIMELINE) private readonly policies: PolicyTimeline,
  ) {}

  @Get()
  @AccessAudited('read-personal-data', { purposeRequired: true })
  @ApiOperation({
    summary: 'The customer 360 as known at an instant or position, with what each event changed',
  })
  @ApiQueryFrom(AsOfParams)
  @ApiAnswer(200, 'CustomerReplayAnswer', 'the replayed 360 with what each event changed')
  async replay(
    @Param('customerId') customerId: string,
    @Query() query: Record<string, unknown>,
  ): Promise<CustomerReplayAnswer> {
    const { asOf, stream } = await readQuestion(this.store, customerId, query);
    const replay = replayCustomer(
      customerId,
      stream,
      asOf,
      (position) => this.policies.at(position),
      asOf.kind === 'position'
        ? this.policies.at(asOf.position)
        : asOf.kind === 'recordedAt'
          ? this.policies.atInstant(asOf.recordedAt)
          : this.policies.current(),
    );
    if (replay.knownEvents === 0) throw nothingKnown(customerId, stream);
    return replay;
  }
}
