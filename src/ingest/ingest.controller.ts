import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  ApiBody,
  ApiExtraModels,
  ApiOperation,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Environment } from '../config/environment';
import { callerOf, RequiresRole } from '../security/api-key.guard';
import { RequestValidationError, UnsupportedMediaTypeError } from '../http/errors/errors';
import { ErrorResponse } from '../http/errors/error-response';
import { BatchResultResponse, TouchpointResultResponse } from './ingest-result.response';
import { IngestService, ItemResult } from './ingest.service';
import { TouchpointDto } from './touchpoint.dto';

const STATUS_OF_SINGLE: Record<ItemResult['status'], number> = {
  appended: 201,
  duplicate: 200,
  invalid: 400,
  rejected: 422,
  conflict: 409,
  failed: 503,
};

const statusOfSingle = (result: Pick<ItemResult, 'status'> & { rule?: string }): number =>
  result.status === 'failed' && result.rule === 'insufficient-storage'
    ? 507
    : result.rule === 'event-id-reused'
      ? 409
      : STATUS_OF_SINGLE[result.status];

/** A single touchpoint's refusal is its own result; a request-level refusal the error body. */
const ITEM_OR_ERROR = {
  anyOf: [
    { $ref: getSchemaPath(TouchpointResultResponse) },
    { $ref: getSchemaPath(ErrorResponse) },
  ],
};

/**
 * POST /v1/touchpoints takes one touchpoint object, or `{ "touchpoints": [...] }`.
 * A batch is answered 200 with one result per item; a single touchpoint gets the status of its
 * own outcome (201 appended, 200 duplicate, 400 invalid, 422 refused by history, 409 conflict).
 */
@ApiTags('ingest')
@ApiExtraModels(TouchpointResultResponse, BatchResultResponse, ErrorResponse)
@RequiresRole('ingest')
@Controller('v1/touchpoints')
export class IngestController {
  private readonly maxBatch: number;

  constructor(
    private readonly ingestService: IngestService,
    config: ConfigService<Environment, true>,
  ) {
    this.maxBatch = config.get('INGEST_MAX_BATCH', { infer: true });
  }

  @Post()
  @ApiOperation({
    summary: 'Append one touchpoint, or a batch as {"touchpoints": [...]} (up to INGEST_MAX_BATCH)',
    description:
      'Each item is appended, found duplicate (same eventId), invalid (field-level errors), ' +
      'rejected by the customer history, in conflict, or failed by the store; nothing of an item ' +
      'that is not appended is stored, so resending a batch is always safe. `position` is the ' +
      'global position to pass as `minPosition` to the queries (read your writes).',
  })
  @ApiBody({
    schema: {
      anyOf: [
        { $ref: getSchemaPath(TouchpointDto) },
        {
          type: 'object',
          required: ['touchpoints'],
          properties: {
            touchpoints: {
              type: 'array',
              minItems: 1,
              items: { $ref: getSchemaPath(TouchpointDto) },
            },
          },
        },
      ],
    },
  })
  @ApiResponse({
    status: 201,
    description: 'single touchpoint appended',
    type: TouchpointResultResponse,
  })
  @ApiResponse({
    status: 200,
    description: 'a batch, one result per item; or a single duplicate',
    schema: {
      anyOf: [
        { $ref: getSchemaPath(BatchResultResponse) },
        { $ref: getSchemaPath(TouchpointResultResponse) },
      ],
    },
  })
  @ApiResponse({
    status: 400,
    description: 'malformed JSON, an invalid touchpoint, or a batch empty or over INGEST_MAX_BATCH',
    schema: ITEM_OR_ERROR,
  })
  @ApiResponse({
    status: 409,
    description:
      'the customer kept changing concurrently, or the eventId is already stored with other content (event-id-reused)',
    schema: ITEM_OR_ERROR,
  })
  @ApiResponse({ status: 413, description: 'body over INGEST_MAX_BODY_BYTES', type: ErrorResponse })
  @ApiResponse({
    status: 415,
    description: 'not application/json (application/cloudevents+json is refused too)',
    type: ErrorResponse,
  })
  @ApiResponse({
    status: 422,
    description: "refused by the customer's history",
    schema: ITEM_OR_ERROR,
  })
  @ApiResponse({
    status: 503,
    description: 'the store failed the write (nothing stored); resending is safe',
    schema: ITEM_OR_ERROR,
  })
  @ApiResponse({
    status: 507,
    description:
      'the data volume is below its free-space reserve (nothing stored); readiness says so',
    schema: ITEM_OR_ERROR,
  })
  async ingest(
    @Req() request: Request,
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
  ) {
    // A structured CloudEvent is not a touchpoint: its envelope (specversion, source, type...)
    // would be refused field by field. Refused as a media type instead, before its content.
    if (request.is(['application/cloudevents+json', 'application/cloudevents-batch+json'])) {
      throw new UnsupportedMediaTypeError(
        'application/json (CloudEvents are not taken: send the touchpoint itself)',
      );
    }
    if (!request.is('application/json') && !request.is('application/*+json')) {
      throw new UnsupportedMediaTypeError('application/json');
    }
    const batch = this.batchOf(body);
    const report = await this.ingestService.ingest(
      batch ?? [body],
      new Date(),
      'http',
      callerOf(request).keyName,
    );
    const results = report.results.map(serialise);
    const position = report.position?.toString();
    if (batch) {
      response.status(200);
      const count = (status: ItemResult['status']) =>
        results.filter((result) => result.status === status).length;
      return {
        appended: count('appended'),
        duplicate: count('duplicate'),
        invalid: count('invalid'),
        rejected: count('rejected'),
        conflict: count('conflict'),
        failed: count('failed'),
        ...(position ? { position } : {}),
        results,
      };
    }
    const [result] = results;
    response.status(statusOfSingle(result));
    return result;
  }

  /** The batch's items, or undefined when the body is a single touchpoint. */
  private batchOf(body: unknown): unknown[] | undefined {
    if (Array.isArray(body)) {
      throw new RequestValidationError([
        {
          field: '',
          rule: 'isObject',
          message: 'send one touchpoint object or {"touchpoints": [...]}',
        },
      ]);
    }
    if (typeof body !== 'object' || body === null) {
      throw new RequestValidationError([
        { field: '', rule: 'isObject', message: 'the body must be a JSON object' },
      ]);
    }
    if (!('touchpoints' in body)) return undefined;
    const { touchpoints } = body as { touchpoints: unknown };
    const rule = (name: string, message: string) =>
      new RequestValidationError([{ field: 'touchpoints', rule: name, message }]);
    if (!Array.isArray(touchpoints)) throw rule('isArray', 'touchpoints must be an array');
    if (touchpoints.length === 0) throw rule('arrayNotEmpty', 'touchpoints must not be empty');
    if (touchpoints.length > this.maxBatch) {
      throw rule('arrayMaxSize', `touchpoints must hold at most ${this.maxBatch} items`);
    }
    const extra = Object.keys(body).filter((key) => key !== 'touchpoints');
    if (extra.length > 0) {
      throw new RequestValidationError(
        extra.map((field) => ({
          field,
          rule: 'unknownField',
          message: `${field} is not a known field`,
        })),
      );
    }
    return touchpoints;
  }
}

/** JSON has no bigint: positions travel as decimal strings. */
function serialise(result: ItemResult) {
  return 'position' in result ? { ...result, position: result.position.toString() } : result;
}
