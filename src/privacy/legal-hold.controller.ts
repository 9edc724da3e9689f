import { Body, Controller, Inject, Param, Put, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { SYSTEM_EVENT_TYPES } from '../../projections';
import { IsIdentifier } from '../domain/touchpoints/validation';
import {
  customerStreamId,
  EVENT_STORE,
  EventStore,
  WrongExpectedRevisionError,
} from '../event-store/event-store.port';
import { AccessAudited, addAccessDetails } from '../access-log/access-audit';
import { RequiresRole } from '../security/api-key.guard';
import { ConflictError, NotFoundError, RequestValidationError } from '../http/errors/errors';
import { ApiAnswer, ApiErrorAnswer } from '../http/openapi';
import type { LegalHoldAnswer } from '../http/responses';
import { parseQuery } from '../http/errors/validation-errors';
import { customerIdParam } from '../ingest/touchpoint.dto';

/** Set or lift a legal hold: `reference` names the case (never a person). */
export class LegalHoldBody {
  @IsBoolean() held!: boolean;
  @IsIdentifier() reference!: string;
}

/**
 * A legal hold postpones the erasure the scheduler would make when a customer's AML window ends,
 * and refuses an erasure sent as done, until it is lifted. It is an event in the customer's
 * stream (LegalHoldChanged), so replays and the 360 show it.
 */
@ApiTags('admin')
@RequiresRole('admin')
@Controller('v1/admin/customers/:customerId/legal-hold')
export class LegalHoldController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Put()
  @AccessAudited('legal-hold', { purposeRequired: false })
  @ApiOperation({ summary: "Set or lift a legal hold on a customer's erasure" })
  @ApiBody({ schema: { $ref: '#/components/schemas/LegalHoldBody' } })
  @ApiAnswer(200, 'LegalHoldAnswer', 'the hold as recorded in the customer stream')
  @ApiErrorAnswer(409, 'the customer is erased already, or changed while the hold was recorded')
  async set(
    @Param('customerId') customerId: string,
    @Body() body: unknown,
    @Req() request: Request,
  ): Promise<LegalHoldAnswer> {
    customerIdParam(customerId);
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new RequestValidationError([
        { field: '(body)', rule: 'isObject', message: 'the body must be a JSON object' },
      ]);
    const { held, reference } = parseQuery(LegalHoldBody, body as Record<string, unknown>);
    addAccessDetails(request, { held, reference });
    const streamId = customerStreamId(customerId);
    const stream = await this.store.readStream(streamId);
    if (stream.length === 0) throw new NotFoundError(`customer ${customerId}`);
    if (stream.some((event) => event.type === 'PersonalDataErased'))
      throw new ConflictError(`customer ${customerId} is erased: there is nothing left to hold`);
    const eventId = randomUUID();
    const result = await this.store
      .appendToStream(
        streamId,
        [
          {
            eventId,
            type: SYSTEM_EVENT_TYPES.legalHoldChanged,
            version: 1,
            occurredAt: new Date().toISOString(),
            data: { held, reference },
            metadata: { sourceSystem: 'admin' },
          },
        ],
        stream[stream.length - 1].revision,
      )
      .catch((error: unknown) => {
        // An erasure (or another hold) landed meanwhile: the caller looks again.
        if (error instanceof WrongExpectedRevisionError)
          throw new ConflictError(`customer ${customerId} changed meanwhile; retry`);
        throw error;
      });
    const [outcome] = result.outcomes;
    return {
      customerId,
      held,
      reference,
      eventId,
      position: outcome.status === 'appended' ? outcome.position.toString() : null,
    };
  }
}
