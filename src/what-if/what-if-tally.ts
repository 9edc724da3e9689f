/**
 * The pure half of a what-if: given, customer by customer, the derived answers under the policy
 * in force and under a candidate, it keeps the counts (stage and tier from/to matrices, the
 * churn-score shift histogram, coverage moves per RM) and a bounded list of the customers
 * affected. Memory grows with the vocabulary and the number of RMs, and the list up to its cap;
 * never with the number of customers.
 */
import {
  LIFECYCLE_STAGES,
  type LifecycleStage,
  type RmCoverageStatus,
  VALUE_TIERS,
  type ValueTier,
} from '../../projections';

/** The derived values a what-if compares, as the customer 360 shows them. */
export interface WhatIfCustomerAnswer {
  stage: LifecycleStage | null;
  tier: ValueTier | null;
  churnScore: number;
  coverageStatus: RmCoverageStatus;
}

export const WHAT_IF_DIMENSIONS = ['stage', 'tier', 'churnScore', 'coverageStatus'] as const;
export type WhatIfDimension = (typeof WHAT_IF_DIMENSIONS)[number];

const COVERAGE_STATUSES: readonly RmCoverageStatus[] = [
  'not-required',
  'unassigned',
  'ok',
  'due',
  'overdue',
];

/** Customers whose stage is `from` under the policy in force and `to` under the candidate. */
export interface WhatIfStageMove {
  from: LifecycleStage | null;
  to: LifecycleStage | null;
  customers: number;
}

export interface WhatIfTierMove {
  from: ValueTier | null;
  to: ValueTier | null;
  customers: number;
}

export interface WhatIfCoverageMove {
  from: RmCoverageStatus;
  to: RmCoverageStatus;
  customers: number;
}

/** One dimension: how many customers would move, and the from/to cells that are not equal. */
export interface WhatIfStageShift {
  changed: number;
  unchanged: number;
  /** Only cells with from != to, in vocabulary order of from, then to (no value first). */
  moves: WhatIfStageMove[];
}

export interface WhatIfTierShift {
  changed: number;
  unchanged: number;
  /** Only cells with from != to, lowest tier first (no tier before mass). */
  moves: WhatIfTierMove[];
}

export interface WhatIfChurnScoreBin {
  /** Candidate score minus current score, -100 to 100. */
  shift: number;
  customers: number;
}

export interface WhatIfChurnScoreShift {
  increased: number;
  decreased: number;
  unchanged: number;
  /** Customers per shift (bins one point wide), ascending; shifts no customer has are left out. */
  histogram: WhatIfChurnScoreBin[];
}

/** The coverage of one RM's customers (rmId null: customers without an RM) that would move. */
export interface WhatIfRmCoverageShift {
  rmId: string | null;
  /** All of the RM's customers, moved or not. */
  customers: number;
  changed: number;
  moves: WhatIfCoverageMove[];
  /** ok + due of ok + due + overdue, in percent (one decimal); null when none needs contact. */
  coveragePercent: { current: number | null; candidate: number | null };
}

export interface WhatIfCoverageShift {
  changed: number;
  unchanged: number;
  /** Only RMs with at least one customer whose status would change; no RM first, then by id. */
  byRelationshipManager: WhatIfRmCoverageShift[];
}

export interface WhatIfSummary {
  /** Customers replayed. */
  customers: number;
  /** Customers with at least one of stage, tier, churn score or coverage status changed. */
  affected: number;
  /** How many of them the list holds (the first, by customer id); the counts cover them all. */
  listed: number;
  listTruncated: boolean;
  stage: WhatIfStageShift;
  tier: WhatIfTierShift;
  churnScore: WhatIfChurnScoreShift;
  coverage: WhatIfCoverageShift;
}

/** A customer whose derived answers differ, with both (no personal data: ids and values). */
export interface WhatIfAffectedCustomer {
  customerId: string;
  rmId: string | null;
  /** The dimensions that differ, in the order stage, tier, churnScore, coverageStatus. */
  changed: WhatIfDimension[];
  current: WhatIfCustomerAnswer;
  candidate: WhatIfCustomerAnswer;
}

export interface WhatIfAffectedPage {
  customers: WhatIfAffectedCustomer[];
  /** Pass as `after` for the next page; absent on the last page. */
  nextCursor?: string;
}

export interface WhatIfAffectedQuery {
  /** A customer id: the page starts after it. */
  readonly after?: string;
  readonly limit: number;
  /** Only customers whose answer differs in this dimension. */
  readonly changed?: WhatIfDimension;
}

const key = (from: string | null, to: string | null) => JSON.stringify([from, to]);

function rankIn(order: readonly (string | null)[]) {
  return (value: string | null) => (value === null ? -1 : order.indexOf(value));
}

/** Sparse from/to counts with a deterministic order. */
class MoveCounts<T extends string | null> {
  private readonly cells = new Map<string, { from: T; to: T; customers: number }>();
  changed = 0;
  unchanged = 0;

  add(from: T, to: T): void {
    if (from === to) {
      this.unchanged++;
      return;
    }
    this.changed++;
    const cell = this.cells.get(key(from, to));
    if (cell) cell.customers++;
    else this.cells.set(key(from, to), { from, to, customers: 1 });
  }

  moves(order: readonly (string | null)[]): { from: T; to: T; customers: number }[] {
    const rank = rankIn(order);
    return [...this.cells.values()]
      .map((cell) => ({ ...cell }))
      .sort((a, b) => rank(a.from) - rank(b.from) || rank(a.to) - rank(b.to));
  }
}

interface RmTally {
  customers: number;
  moves: MoveCounts<RmCoverageStatus>;
  current: Record<'covered' | 'needing', number>;
  candidate: Record<'covered' | 'needing', number>;
}

const needsContact = (status: RmCoverageStatus) =>
  status === 'ok' || status === 'due' || status === 'overdue';
const covered = (status: RmCoverageStatus) => status === 'ok' || status === 'due';
const percent = (part: number, whole: number) =>
  whole === 0 ? null : Math.round((part / whole) * 1000) / 10;

/** The dimensions in which two answers differ. */
export function changedDimensions(current: WhatIfCustomerAnswer, candidate: WhatIfCustomerAnswer) {
  return WHAT_IF_DIMENSIONS.filter((dimension) => current[dimension] !== candidate[dimension]);
}

/**
 * Counts a what-if as customers are added, in ascending customer-id order (the list is paged by
 * id). At most `maxListed` affected customers are kept for the list; the counts cover every one.
 */
export class WhatIfTally {
  private customers = 0;
  private affected = 0;
  private readonly stage = new MoveCounts<LifecycleStage | null>();
  private readonly tier = new MoveCounts<ValueTier | null>();
  private readonly shifts = new Map<number, number>();
  private readonly rms = new Map<string | null, RmTally>();
  private readonly list: WhatIfAffectedCustomer[] = [];
  private lastCustomerId?: string;

  constructor(private readonly maxListed: number) {}

  add(
    customerId: string,
    rmId: string | null,
    current: WhatIfCustomerAnswer,
    candidate: WhatIfCustomerAnswer,
  ): void {
    // Ids are ASCII (CUSTOMER_ID_PATTERN), so this is the read models' code-point order too.
    if (this.lastCustomerId !== undefined && this.lastCustomerId >= customerId) {
      throw new RangeError(`customers must come in ascending id order: ${customerId}`);
    }
    this.lastCustomerId = customerId;
    this.customers++;
    this.stage.add(current.stage, candidate.stage);
    this.tier.add(current.tier, candidate.tier);
    const shift = candidate.churnScore - current.churnScore;
    this.shifts.set(shift, (this.shifts.get(shift) ?? 0) + 1);
    this.addCoverage(rmId, current.coverageStatus, candidate.coverageStatus);
    const changed = changedDimensions(current, candidate);
    if (changed.length === 0) return;
    this.affected++;
    if (this.list.length < this.maxListed) {
      this.list.push({ customerId, rmId, changed, current, candidate });
    }
  }

  private addCoverage(rmId: string | null, from: RmCoverageStatus, to: RmCoverageStatus): void {
    let rm = this.rms.get(rmId);
    if (rm === undefined) {
      rm = {
        customers: 0,
        moves: new MoveCounts(),
        current: { covered: 0, needing: 0 },
        candidate: { covered: 0, needing: 0 },
      };
      this.rms.set(rmId, rm);
    }
    rm.customers++;
    rm.moves.add(from, to);
    for (const [side, status] of [
      ['current', from],
      ['candidate', to],
    ] as const) {
      if (needsContact(status)) rm[side].needing++;
      if (covered(status)) rm[side].covered++;
    }
  }

  /** Customers replayed so far, and how many of them the candidate changes. */
  counts(): { customers: number; affected: number } {
    return { customers: this.customers, affected: this.affected };
  }

  summary(): WhatIfSummary {
    const stage = this.stage;
    const tier = this.tier;
    const shifts = [...this.shifts.entries()].sort(([a], [b]) => a - b);
    const count = (test: (shift: number) => boolean) =>
      shifts.filter(([shift]) => test(shift)).reduce((sum, [, customers]) => sum + customers, 0);
    const rms = [...this.rms.entries()].sort(([a], [b]) =>
      a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1,
    );
    return {
      customers: this.customers,
      affected: this.affected,
      listed: this.list.length,
      listTruncated: this.list.length < this.affected,
      stage: {
        changed: stage.changed,
        unchanged: stage.unchanged,
        moves: stage.moves(LIFECYCLE_STAGES),
      },
      tier: { changed: tier.changed, unchanged: tier.unchanged, moves: tier.moves(VALUE_TIERS) },
      churnScore: {
        increased: count((shift) => shift > 0),
        decreased: count((shift) => shift < 0),
        unchanged: count((shift) => shift === 0),
        histogram: shifts.map(([shift, customers]) => ({ shift, customers })),
      },
      coverage: {
        changed: rms.reduce((sum, [, rm]) => sum + rm.moves.changed, 0),
        unchanged: rms.reduce((sum, [, rm]) => sum + rm.moves.unchanged, 0),
        byRelationshipManager: rms
          .filter(([, rm]) => rm.moves.changed > 0)
          .map(([rmId, rm]) => ({
            rmId,
            customers: rm.customers,
            changed: rm.moves.changed,
            moves: rm.moves.moves(COVERAGE_STATUSES),
            coveragePercent: {
              current: percent(rm.current.covered, rm.current.needing),
              candidate: percent(rm.candidate.covered, rm.candidate.needing),
            },
          })),
      },
    };
  }

  /** A page of the affected customers kept, by customer id, after `query.after`. */
  affectedPage(query: WhatIfAffectedQuery): WhatIfAffectedPage {
    let start = 0;
    if (query.after !== undefined) {
      // The list is in ascending id order: find the first id after the cursor.
      let high = this.list.length;
      while (start < high) {
        const middle = (start + high) >>> 1;
        if (this.list[middle].customerId <= query.after) start = middle + 1;
        else high = middle;
      }
    }
    const wanted = (entry: WhatIfAffectedCustomer) =>
      query.changed === undefined || entry.changed.includes(query.changed);
    const customers: WhatIfAffectedCustomer[] = [];
    for (let index = start; index < this.list.length; index++) {
      if (!wanted(this.list[index])) continue;
      if (customers.length === query.limit) {
        return { customers, nextCursor: customers[customers.length - 1].customerId };
      }
      customers.push(this.list[index]);
    }
    return { customers };
  }
}
