import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequestValidationError } from '../../http/errors/errors';
import { parseQuery } from '../../http/errors/validation-errors';
import { ApiAnswer, ApiQueryFrom } from '../../http/openapi';
import type {
  CoverageAnswer,
  FunnelAnswer,
  TiersAnswer,
  TransitionsAnswer,
} from '../../http/responses';
import { RequiresRole } from '../../security/api-key.guard';
import { CustomerStatsQueries } from './customer-stats.queries';
import { ReadYourWritesParams, TransitionWindowParams } from './query-params';
import { ReadYourWrites } from './read-your-writes';

/** Aggregates computed by indexed queries over the read models, never by counters. */
@ApiTags('stats')
@RequiresRole('read')
@Controller('v1/stats')
export class StatsController {
  constructor(
    private readonly stats: CustomerStatsQueries,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Get('funnel')
  @ApiOperation({ summary: 'Customers per lifecycle stage' })
  @ApiQueryFrom(ReadYourWritesParams)
  @ApiAnswer(200, 'FunnelAnswer', 'customers per stage, every stage present')
  async funnel(@Query() query: Record<string, unknown>): Promise<FunnelAnswer> {
    await this.readYourWrites.await(parseQuery(ReadYourWritesParams, query).minPosition);
    return this.stats.funnel();
  }

  @Get('tiers')
  @ApiOperation({ summary: 'Customers per value tier' })
  @ApiQueryFrom(ReadYourWritesParams)
  @ApiAnswer(200, 'TiersAnswer', 'customers per tier, every tier present')
  async tiers(@Query() query: Record<string, unknown>): Promise<TiersAnswer> {
    await this.readYourWrites.await(parseQuery(ReadYourWritesParams, query).minPosition);
    return this.stats.tiers();
  }

  /** Coverage % = customers whose required RM contact is not overdue, of those who need one. */
  @Get('coverage')
  @ApiOperation({ summary: 'RM coverage per RM and overall' })
  @ApiQueryFrom(ReadYourWritesParams)
  @ApiAnswer(200, 'CoverageAnswer', 'coverage overall and per relationship manager')
  async coverage(@Query() query: Record<string, unknown>): Promise<CoverageAnswer> {
    await this.readYourWrites.await(parseQuery(ReadYourWritesParams, query).minPosition);
    return this.stats.coverage();
  }

  /** Stage moves whose cause happened in [from, to). */
  @Get('transitions')
  @ApiOperation({ summary: 'Stage moves in a time window, by from and to stage' })
  @ApiQueryFrom(TransitionWindowParams)
  @ApiAnswer(200, 'TransitionsAnswer', 'stage moves entered and left per stage')
  async transitions(@Query() query: Record<string, unknown>): Promise<TransitionsAnswer> {
    const params = parseQuery(TransitionWindowParams, query);
    const from = new Date(params.from).toISOString();
    const to = new Date(params.to).toISOString();
    if (from >= to) {
      throw new RequestValidationError([
        { field: 'to', rule: 'isAfter', message: 'to must be after from' },
      ]);
    }
    await this.readYourWrites.await(params.minPosition);
    return this.stats.transitions(from, to);
  }
}
