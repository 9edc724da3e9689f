import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { LIFECYCLE_STAGES, VALUE_TIERS } from '../../projections';
import { RequiresRole } from '../http/api-key.guard';
import { RequestValidationError } from '../http/errors';
import { ApiAnswer, ApiQueryFrom } from '../http/openapi';
import type {
  CoverageAnswer,
  FunnelAnswer,
  TiersAnswer,
  TransitionsAnswer,
} from '../http/responses';
import { parseQuery } from '../http/validation-errors';
import { ProjectionEngine } from '../projection-engine/projection-engine.service';
import { READ_MODEL_STORE, ReadModelStore } from '../read-models/read-model-store.port';
import { ReadYourWritesParams, TransitionWindowParams } from './query-params';
import { ReadYourWrites } from './read-your-writes';

/** Every known value with its count (0 when absent), plus customers not classified yet. */
function withAllKeys<K extends string>(
  keys: readonly K[],
  counts: Readonly<Record<string, number>>,
): Record<K, number> & { unclassified?: number } {
  const result = Object.fromEntries(keys.map((key) => [key, counts[key] ?? 0])) as Record<
    K,
    number
  > & { unclassified?: number };
  if (counts.null) result.unclassified = counts.null;
  return result;
}

const sum = (counts: Readonly<Record<string, number>>) =>
  Object.values(counts).reduce((a, b) => a + b, 0);

/** Aggregates computed by indexed queries over the read models, never by counters. */
@ApiTags('stats')
@RequiresRole('read')
@Controller('v1/stats')
export class StatsController {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    private readonly engine: ProjectionEngine,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Get('funnel')
  @ApiOperation({ summary: 'Customers per lifecycle stage' })
  @ApiQueryFrom(ReadYourWritesParams)
  @ApiAnswer(200, 'FunnelAnswer', 'customers per stage, every stage present')
  async funnel(@Query() query: Record<string, unknown>): Promise<FunnelAnswer> {
    await this.readYourWrites.await(parseQuery(ReadYourWritesParams, query).minPosition);
    const counts = await this.readModels.countBy(
      this.engine.collections().customers,
      'search.stage',
    );
    return { stages: withAllKeys(LIFECYCLE_STAGES, counts), total: sum(counts) };
  }

  @Get('tiers')
  @ApiOperation({ summary: 'Customers per value tier' })
  @ApiQueryFrom(ReadYourWritesParams)
  @ApiAnswer(200, 'TiersAnswer', 'customers per tier, every tier present')
  async tiers(@Query() query: Record<string, unknown>): Promise<TiersAnswer> {
    await this.readYourWrites.await(parseQuery(ReadYourWritesParams, query).minPosition);
    const counts = await this.readModels.countBy(
      this.engine.collections().customers,
      'search.tier',
    );
    return { tiers: withAllKeys(VALUE_TIERS, counts), total: sum(counts) };
  }

  /** Coverage % = customers whose required RM contact is not overdue, of those who need one. */
  @Get('coverage')
  @ApiOperation({ summary: 'RM coverage per RM and overall' })
  @ApiQueryFrom(ReadYourWritesParams)
  @ApiAnswer(200, 'CoverageAnswer', 'coverage overall and per relationship manager')
  async coverage(@Query() query: Record<string, unknown>): Promise<CoverageAnswer> {
    await this.readYourWrites.await(parseQuery(ReadYourWritesParams, query).minPosition);
    const collection = this.engine.collections().customers;
    const overall = await this.readModels.countBy(collection, 'search.coverageStatus');
    const count = (status: string) =>
      this.readModels.countBy(collection, 'search.rmId', {
        'search.coverageStatus': { eq: status },
      });
    const [ok, due, overdue] = await Promise.all([count('ok'), count('due'), count('overdue')]);
    const rms = [...new Set([...Object.keys(ok), ...Object.keys(due), ...Object.keys(overdue)])]
      .filter((rm) => rm !== 'null')
      .sort();
    const percent = (covered: number, total: number) =>
      total === 0 ? null : Math.round((covered / total) * 1000) / 10;
    const required = (overall.ok ?? 0) + (overall.due ?? 0) + (overall.overdue ?? 0);
    return {
      overall: {
        ...withAllKeys(['not-required', 'unassigned', 'ok', 'due', 'overdue'], overall),
        coveragePercent: percent(
          (overall.ok ?? 0) + (overall.due ?? 0),
          required + (overall.unassigned ?? 0),
        ),
      },
      byRelationshipManager: rms.map((rmId) => {
        const counts = { ok: ok[rmId] ?? 0, due: due[rmId] ?? 0, overdue: overdue[rmId] ?? 0 };
        return {
          rmId,
          ...counts,
          coveragePercent: percent(counts.ok + counts.due, counts.ok + counts.due + counts.overdue),
        };
      }),
    };
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
    const collection = this.engine.collections().transitions;
    const window = { at: { gte: from, lt: to } };
    const [entered, left] = await Promise.all([
      this.readModels.countBy(collection, 'to', window),
      this.readModels.countBy(collection, 'from', window),
    ]);
    return {
      from,
      to,
      entered: withAllKeys(LIFECYCLE_STAGES, entered),
      left: withAllKeys(LIFECYCLE_STAGES, left),
      total: sum(entered),
    };
  }
}
