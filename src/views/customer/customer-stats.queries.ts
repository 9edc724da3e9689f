import { Inject, Injectable } from '@nestjs/common';
import { LIFECYCLE_STAGES, VALUE_TIERS } from '../../../projections';
import type {
  CoverageAnswer,
  FunnelAnswer,
  TiersAnswer,
  TransitionsAnswer,
} from '../../http/responses';
import { ProjectionEngine } from '../../projection-engine/projection-engine.service';
import { READ_MODEL_STORE, ReadModelStore } from '../../read-models/read-model-store.port';

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

/**
 * Aggregates of the customer view computed by indexed queries over the read models, never by
 * counters (StatsController serves them).
 */
@Injectable()
export class CustomerStatsQueries {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    private readonly engine: ProjectionEngine,
  ) {}

  /** Customers per lifecycle stage. */
  async funnel(): Promise<FunnelAnswer> {
    const counts = await this.readModels.countBy(
      this.engine.collections().customers,
      'search.stage',
    );
    return { stages: withAllKeys(LIFECYCLE_STAGES, counts), total: sum(counts) };
  }

  /** Customers per value tier. */
  async tiers(): Promise<TiersAnswer> {
    const counts = await this.readModels.countBy(
      this.engine.collections().customers,
      'search.tier',
    );
    return { tiers: withAllKeys(VALUE_TIERS, counts), total: sum(counts) };
  }

  /** Coverage % = customers whose required RM contact is not overdue, of those who need one. */
  async coverage(): Promise<CoverageAnswer> {
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

  /** Stage moves whose cause happened in [from, to) (both normalised ISO instants, from < to). */
  async transitions(from: string, to: string): Promise<TransitionsAnswer> {
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
