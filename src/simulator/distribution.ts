/** Counts over a simulation: what the dry run prints and the distribution spec checks. */
import type { CustomerState } from '../../projections/customer-state';
import { LIFECYCLE_STAGES, VALUE_TIERS } from '../../projections/vocabulary';
import type { SimulatedTouchpoint } from './raw-touchpoint';

export interface Distribution {
  readonly customers: number;
  readonly events: number;
  readonly firstOccurredAt: string | null;
  readonly lastOccurredAt: string | null;
  readonly stages: Record<string, number>;
  readonly highestStages: Record<string, number>;
  readonly tiers: Record<string, number>;
  readonly rmCoverage: Record<string, number>;
  readonly churnRiskBands: Record<string, number>;
  readonly eventTypes: Record<string, number>;
}

function zeroes(keys: readonly string[]): Record<string, number> {
  return Object.fromEntries(keys.map((k) => [k, 0]));
}

export class DistributionCollector {
  private customers = 0;
  private events = 0;
  private first: string | null = null;
  private last: string | null = null;
  private readonly stages = zeroes(LIFECYCLE_STAGES);
  private readonly highestStages = zeroes(LIFECYCLE_STAGES.slice(0, 5));
  private readonly tiers = zeroes(VALUE_TIERS);
  private readonly rmCoverage = zeroes(['not-required', 'unassigned', 'ok', 'due', 'overdue']);
  private readonly churnRiskBands = zeroes(['0-19', '20-39', '40-59', '60-79', '80-100']);
  private readonly eventTypes: Record<string, number> = {};

  readonly recordEvent = (event: SimulatedTouchpoint): void => {
    this.events += 1;
    this.eventTypes[event.type] = (this.eventTypes[event.type] ?? 0) + 1;
    if (this.first === null || event.occurredAt < this.first) this.first = event.occurredAt;
    if (this.last === null || event.occurredAt > this.last) this.last = event.occurredAt;
  };

  readonly recordCustomer = (state: CustomerState): void => {
    this.customers += 1;
    const { stage, highestStage } = state.lifecycle;
    if (stage !== null) this.stages[stage] += 1;
    if (highestStage !== null) this.highestStages[highestStage] += 1;
    if (state.valueTier.tier !== null) this.tiers[state.valueTier.tier] += 1;
    this.rmCoverage[state.rmCoverage.status] += 1;
    const score = state.churnRisk.score;
    const band = Object.keys(this.churnRiskBands)[Math.min(4, Math.floor(score / 20))];
    this.churnRiskBands[band] += 1;
  };

  result(): Distribution {
    return {
      customers: this.customers,
      events: this.events,
      firstOccurredAt: this.first,
      lastOccurredAt: this.last,
      stages: { ...this.stages },
      highestStages: { ...this.highestStages },
      tiers: { ...this.tiers },
      rmCoverage: { ...this.rmCoverage },
      churnRiskBands: { ...this.churnRiskBands },
      eventTypes: Object.fromEntries(
        Object.entries(this.eventTypes).sort(([a], [b]) => (a < b ? -1 : 1)),
      ),
    };
  }
}
