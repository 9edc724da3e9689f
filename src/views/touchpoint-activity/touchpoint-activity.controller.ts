import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import type { TouchpointActivity } from '../../../projections';
import { RequestValidationError } from '../../http/errors/errors';
import { parseQuery } from '../../http/errors/validation-errors';
import { ApiAnswer, ApiQueryFrom } from '../../http/openapi';
import type { ActivityAnswer } from '../../http/responses';
import { ProjectionEngine } from '../../projection-engine/projection-engine.service';
import {
  MAX_PAGE_SIZE,
  READ_MODEL_STORE,
  ReadModelStore,
} from '../../read-models/read-model-store.port';
import { RequiresRole } from '../../security/api-key.guard';
import { TOUCHPOINT_ACTIVITY } from './touchpoint-activity.view';

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const MAX_DAYS = 366;

export class ActivityParams {
  /** First day, YYYY-MM-DD (UTC). */
  @Matches(DAY, { message: 'from must be a day, YYYY-MM-DD' })
  from!: string;

  /** Last day, YYYY-MM-DD (UTC), included; at most 366 days after from. */
  @Matches(DAY, { message: 'to must be a day, YYYY-MM-DD' })
  to!: string;

  /** Only this touchpoint type. */
  @IsOptional()
  @Matches(/^[A-Za-z]{1,64}$/, { message: 'type must be a touchpoint type name' })
  type?: string;
}

/** Touchpoints per day and type, across all customers: no customer data, only counts. */
@ApiTags('stats')
@RequiresRole('read')
@Controller('v1/stats/activity')
export class TouchpointActivityController {
  constructor(
    private readonly engine: ProjectionEngine,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Touchpoints per day and type, and how many the customer initiated' })
  @ApiQueryFrom(ActivityParams)
  @ApiAnswer(200, 'ActivityAnswer', 'one row per day and type with touchpoints, oldest first')
  async activity(@Query() query: Record<string, unknown>): Promise<ActivityAnswer> {
    const { from, to, type } = parseQuery(ActivityParams, query);
    const days = (Date.parse(to) - Date.parse(from)) / 86_400_000;
    if (!(days >= 0 && days < MAX_DAYS))
      throw new RequestValidationError([
        {
          field: 'to',
          rule: 'isDayRange',
          message: `to must be a day from ${from} to ${MAX_DAYS - 1} days after it`,
        },
      ]);
    const view = this.engine.view(TOUCHPOINT_ACTIVITY);
    // Read before the rows: everything up to it is in them, whatever moves on meanwhile.
    const asOf = view.checkpoint();
    const rows: TouchpointActivity[] = [];
    let after: string | undefined;
    do {
      const page = await this.readModels.find(view.collection(TOUCHPOINT_ACTIVITY), {
        where: {
          day: { gte: from, lte: to },
          ...(type === undefined ? {} : { type: { eq: type } }),
        },
        sort: { field: 'day', direction: 'asc' },
        limit: MAX_PAGE_SIZE,
        ...(after === undefined ? {} : { after }),
      });
      rows.push(
        ...page.documents.map((document) => document.body as unknown as TouchpointActivity),
      );
      after = page.nextCursor;
    } while (after !== undefined);
    return {
      from,
      to,
      asOfPosition: asOf?.toString() ?? null,
      activity: rows,
    };
  }
}
