import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { PolicyTimeline } from '../policy-history/policy-timeline';
import { POLICY_TIMELINE } from '../policy-history/policy-timeline.provider';
import { customerStreamId, EVENT_STORE, EventStore } from '../event-store/event-store.port';
import { AccessAudited } from '../access-log/access-audit';
import { RequiresRole } from '../security/api-key.guard';
import { NotFoundError, RequestValidationError } from '../http/errors/errors';
import { ApiAnswer } from '../http/openapi';
import type { CustomerEventsAnswer } from '../http/responses';
import { customerIdParam } from '../ingest/touchpoint.dto';
import { PersonalDataVault } from '../privacy/personal-data-vault';
import { maskPersonalFields, restrictToEvidence } from '../privacy/restriction';

const MAX_PAGE = 1000;
/** Stream revisions are 32-bit in every store (PostgreSQL integer). */
const MAX_REVISION = 2 ** 31 - 1;

/** An integer query parameter within [min, max], or the fallback when absent. */
function integerParam(
  field: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
) {
  if (raw === undefined) return fallback;
  const value = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) {
    throw new RequestValidationError([
      { field, rule: 'isInt', message: `${field} must be an integer from ${min} to ${max}` },
    ]);
  }
  return value;
}

/**
 * A customer's touchpoints as stored: what we knew, and when we learned it. Personal fields are
 * decrypted for the auditor; after erasure each reads `{erased: true, erasedBy}`; while an erasure
 * request waits for the AML window, only the evidence fields are shown (src/privacy/restriction.ts).
 */
@ApiTags('audit')
@RequiresRole('audit')
@Controller('v1/customers/:customerId/events')
export class CustomerHistoryController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly vault: PersonalDataVault,
    @Inject(POLICY_TIMELINE) private readonly policies: PolicyTimeline,
  ) {}

  /** The erasure, or else the erasure request restricting the data, from the whole stream. */
  private async privacyOf(
    customerId: string,
  ): Promise<{ erasedBy?: string; requestedBy?: string }> {
    const stream = await this.store.readStream(customerStreamId(customerId));
    return {
      erasedBy: stream.find((event) => event.type === 'PersonalDataErased')?.eventId,
      requestedBy: stream.find((event) => event.type === 'PersonalDataErasureRequested')?.eventId,
    };
  }

  @Get()
  @AccessAudited('read-personal-data', { purposeRequired: true })
  @ApiOperation({
    summary: "A customer's touchpoints as stored, with when each happened and was recorded",
  })
  @ApiQuery({
    name: 'fromRevision',
    required: false,
    schema: { type: 'integer', minimum: 0, maximum: MAX_REVISION },
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE },
  })
  @ApiAnswer(200, 'CustomerEventsAnswer', 'a page of the stream, oldest first')
  async events(
    @Param('customerId') customerId: string,
    @Query('fromRevision') fromRevisionRaw?: string,
    @Query('limit') limitRaw?: string,
  ): Promise<CustomerEventsAnswer> {
    customerIdParam(customerId);
    const fromRevision = integerParam('fromRevision', fromRevisionRaw, 0, 0, MAX_REVISION);
    const limit = integerParam('limit', limitRaw, MAX_PAGE, 1, MAX_PAGE);
    const events = await this.store.readStream(customerStreamId(customerId), {
      fromRevision,
      maxCount: limit + 1,
    });
    if (events.length === 0 && fromRevision === 0)
      throw new NotFoundError(`customer ${customerId}`);
    const page = events.slice(0, limit);
    const revealed = await this.vault.reveal(customerId, page);
    const privacy = await this.privacyOf(customerId);
    const data = revealed.map((fields, index) =>
      privacy.erasedBy
        ? // Erased, though the key may not be shredded yet (a crash between the two steps).
          maskPersonalFields(page[index], fields, [], { erased: true, erasedBy: privacy.erasedBy })
        : privacy.requestedBy
          ? restrictToEvidence(
              page[index],
              fields,
              this.policies.current().privacy.amlEvidenceFields,
              privacy.requestedBy,
            )
          : fields,
    );
    return {
      customerId,
      events: page.map((event, index) => ({
        eventId: event.eventId,
        type: event.type,
        version: event.version,
        occurredAt: event.occurredAt,
        recordedAt: event.recordedAt,
        revision: event.revision,
        position: event.position.toString(),
        data: data[index],
        metadata: event.metadata,
      })),
      ...(events.length > limit ? { nextFromRevision: page[page.length - 1].revision + 1 } : {}),
    };
  }
}
