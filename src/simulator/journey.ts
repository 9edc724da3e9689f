/**
 * One simulated customer's life with the bank, as touchpoints in time order. An archetype
 * (steady salary earner, grower, wealthy client, decliner, churner, win-back...) shapes it;
 * within a month events are drawn at random times and sorted. The journey never looks at the
 * projections: thresholds are added around it by the customer timeline.
 */
import type { TouchpointType, TouchpointVersion } from '../../projections/touchpoint-types';
import type { Channel, ProductType } from '../../projections/vocabulary';
import { AccountBook, CROSS_SELL_ORDER, type SimAccount } from './accounts';
import type { Prng } from './prng';
import { MS_PER_DAY, type RawTouchpoint, iso } from './raw-touchpoint';

export const ARCHETYPE_WEIGHTS = {
  'prospect-only': 7,
  'stalled-onboarding': 4,
  steady: 34,
  grower: 18,
  wealthy: 9,
  declining: 10,
  churner: 11,
  'win-back': 7,
} as const;
export type Archetype = keyof typeof ARCHETYPE_WEIGHTS;

export interface JourneyContext {
  readonly rng: Prng;
  readonly customerId: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly branchCount: number;
  readonly rmsPerBranch: number;
  /** Share of customers who arrive from the legacy CRM at the start of the simulation. */
  readonly importedShare: number;
}

const DIGITAL: readonly Channel[] = ['mobile', 'mobile', 'mobile', 'web', 'web', 'messaging'];
const ANY_CHANNEL: readonly Channel[] = [...DIGITAL, 'branch', 'call-centre', 'atm'];
const CONSENTS = [
  'marketing-email',
  'marketing-sms',
  'marketing-phone',
  'marketing-push',
  'profiling',
  'third-party-sharing',
];
const MONTH_MS = 30 * MS_PER_DAY;

class Journey {
  private readonly rng: Prng;
  private readonly book: AccountBook;
  private readonly branchId: string;
  private readonly archetype: Archetype;
  private readonly deferred: RawTouchpoint[] = [];
  private wealth: number;
  private salary: number;
  private serial = 0;
  private rmId: string | null = null;

  constructor(private readonly ctx: JourneyContext) {
    this.rng = ctx.rng;
    this.archetype = this.rng.weighted(ARCHETYPE_WEIGHTS);
    this.book = new AccountBook(`A${ctx.customerId.slice(0, 8)}`, this.rng);
    this.branchId = `BR${String(this.rng.int(1, ctx.branchCount)).padStart(3, '0')}`;
    this.wealth = this.archetype === 'stalled-onboarding' ? 0 : this.initialWealth();
    this.salary = this.archetype === 'wealthy' ? 0 : this.rng.logUniform(500_000, 4_000_000);
  }

  private initialWealth(): number {
    switch (this.archetype) {
      case 'wealthy': {
        const band = this.rng.weighted({ affluent: 60, hnw: 30, private: 10 });
        const [min, max] =
          band === 'affluent' ? [55e6, 5e8] : band === 'hnw' ? [6.5e8, 2.5e9] : [3.2e9, 1.2e10];
        return this.rng.logUniform(min, max);
      }
      case 'grower':
        return this.rng.logUniform(2e6, 6e7);
      default:
        return this.rng.logUniform(2e5, 1.2e7);
    }
  }

  private id(prefix: string): string {
    this.serial += 1;
    return `${prefix}-${this.ctx.customerId.slice(0, 8)}-${this.serial}`;
  }

  private tp<T extends TouchpointType>(
    type: T,
    ms: number,
    data: Record<string, unknown>,
    sourceSystem: string,
    version: TouchpointVersion<T> = 1 as TouchpointVersion<T>,
  ): RawTouchpoint {
    return { type, version, occurredAt: iso(ms), data, sourceSystem };
  }

  private rmFor(): string {
    return `RM-${this.branchId}-${this.rng.int(1, this.ctx.rmsPerBranch)}`;
  }

  *events(): Generator<RawTouchpoint> {
    const imported =
      this.archetype !== 'prospect-only' &&
      this.archetype !== 'stalled-onboarding' &&
      this.rng.chance(this.ctx.importedShare);
    const span = this.ctx.endMs - this.ctx.startMs;
    const t0 = imported
      ? this.ctx.startMs + this.rng.int(0, 7 * MS_PER_DAY)
      : this.ctx.startMs + Math.floor(this.rng.next() * (span - 2 * MONTH_MS));
    yield* this.sorted(imported ? this.importSnapshot(t0) : this.acquire(t0));
    if (this.archetype === 'prospect-only') {
      yield* this.sorted(this.prospectBrowsing(t0));
      return;
    }
    const months = Math.floor((this.ctx.endMs - t0) / MONTH_MS);
    const silence = this.rng.int(13, 20);
    // Win-backs need room for a dormancy and a return inside the simulated period.
    const turningPoint =
      this.archetype === 'win-back'
        ? this.rng.int(3, Math.max(4, months - silence - 4))
        : this.rng.int(4, Math.max(5, months - 2));
    for (let m = 1; m < months; m++) {
      const from = t0 + m * MONTH_MS;
      yield* this.sorted([
        ...this.month(m, turningPoint, silence, from),
        ...this.takeDeferred(from + MONTH_MS),
      ]);
    }
    yield* this.sorted(
      this.takeDeferred(Number.MAX_SAFE_INTEGER).filter(
        (e) => Date.parse(e.occurredAt) < this.ctx.endMs,
      ),
    );
  }

  private *sorted(events: RawTouchpoint[]): Generator<RawTouchpoint> {
    yield* events
      .filter((e) => Date.parse(e.occurredAt) < this.ctx.endMs)
      .sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0));
  }

  private takeDeferred(beforeMs: number): RawTouchpoint[] {
    const due = this.deferred.filter((e) => Date.parse(e.occurredAt) < beforeMs);
    const rest = this.deferred.filter((e) => Date.parse(e.occurredAt) >= beforeMs);
    this.deferred.length = 0;
    this.deferred.push(...rest);
    return due;
  }

  private acquire(t0: number): RawTouchpoint[] {
    const channel = this.rng.pick(ANY_CHANNEL);
    const events = [
      this.tp(
        'ProspectCaptured',
        t0,
        {
          source: this.rng.pick([
            'branch-walk-in',
            'website',
            'mobile-app',
            'referral',
            'campaign',
            'partner',
          ]),
          channel,
          branchId: this.branchId,
          fullName: `Customer ${this.ctx.customerId.slice(0, 8)}`,
          email: `c${this.ctx.customerId.slice(0, 8)}@example.com`,
          phone: `+8613${String(this.rng.int(100000000, 999999999))}`,
        },
        channel === 'branch' ? 'branch-system' : 'digital-onboarding',
      ),
    ];
    if (this.archetype === 'prospect-only') return events;
    const kycAt = t0 + this.rng.int(1, 5 * MS_PER_DAY);
    events.push(
      this.tp(
        'KycVerified',
        kycAt,
        {
          method: this.rng.pick(['in-branch', 'video', 'electronic-id']),
          level: this.archetype === 'wealthy' ? 'enhanced' : 'standard',
          documentType: 'national-id',
          documentNumber: String(this.rng.int(1e9, 9e9)),
          expiresAt: iso(kycAt + 5 * 365 * MS_PER_DAY),
        },
        'kyc-service',
      ),
    );
    const openAt = kycAt + this.rng.int(1, 3 * MS_PER_DAY);
    events.push(this.openEvent(this.book.open('current', openAt), openAt, channel));
    events.push(...this.onboardingConsents(openAt + 60_000, channel));
    if (this.archetype === 'wealthy')
      events.push(
        ...this.assignRm(openAt + MS_PER_DAY),
        this.openEvent(
          this.book.open('wealth-fund', openAt + 2 * MS_PER_DAY),
          openAt + 2 * MS_PER_DAY,
          'branch',
        ),
      );
    if (this.archetype !== 'stalled-onboarding')
      events.push(...this.balances(openAt + 3 * MS_PER_DAY));
    else
      events.push(
        this.tp(
          'BalanceReported',
          openAt + MS_PER_DAY,
          { accountId: this.book.primary()?.accountId, balanceMinor: '0', currency: 'CNY' },
          'core-banking',
        ),
      );
    return events;
  }

  private importSnapshot(t0: number): RawTouchpoint[] {
    const tenureStart = t0 - this.rng.int(1, 20) * 365 * MS_PER_DAY;
    const types: ProductType[] = ['current', 'savings'];
    if (this.archetype === 'wealthy' || this.rng.chance(0.3)) types.push('wealth-fund');
    if (this.rng.chance(0.35)) types.push('credit-card');
    if (this.rng.chance(0.1)) types.push('mortgage');
    const accounts = types.map((t, i) =>
      this.book.open(
        t,
        tenureStart + i * 90 * MS_PER_DAY,
        t === 'savings' && this.archetype === 'wealthy' && this.rng.chance(0.3) ? 'USD' : 'CNY',
      ),
    );
    const rm = this.archetype === 'wealthy' ? this.rmFor() : null;
    this.rmId = rm;
    return [
      this.tp(
        'CustomerImported',
        t0,
        {
          sourceSystem: 'legacy-crm',
          legacyCustomerRef: `L${String(this.rng.int(1e7, 9e7))}`,
          tenureStartedAt: iso(tenureStart),
          lastActivityAt: iso(t0 - this.rng.int(1, 20) * MS_PER_DAY),
          products: accounts.map((a) => {
            const balance = this.book.balanceOf(a, this.wealth);
            return {
              accountId: a.accountId,
              productType: a.productType,
              productCode: a.productCode,
              currency: a.currency,
              openedAt: iso(a.openedMs),
              ...(balance === null ? {} : { balanceMinor: String(balance) }),
            };
          }),
          ...(rm === null
            ? {}
            : {
                relationshipManager: { rmId: rm, branchId: this.branchId },
                legacyTier: this.rng.pick(['affluent', 'high-net-worth']),
              }),
          ...(this.rng.chance(0.5)
            ? { legacyStage: this.rng.pick(['active', 'engaged', 'loyal']) }
            : {}),
          fullName: `Imported ${this.ctx.customerId.slice(0, 8)}`,
          nationalId: String(this.rng.int(1e9, 9e9)),
        },
        'legacy-crm',
      ),
      ...this.onboardingConsents(t0 + 60_000, 'branch'),
    ];
  }

  /**
   * Opening an account asks for marketing consent (opt-in): most say yes to email, fewer to
   * text messages; a refusal is recorded too.
   */
  private onboardingConsents(at: number, channel: Channel): RawTouchpoint[] {
    return [
      ['marketing-email', 0.7],
      ['marketing-sms', 0.45],
    ].map(([purpose, share], i) =>
      this.tp(
        'ConsentChanged',
        at + i * 1_000,
        { purpose, granted: this.rng.chance(share as number), channel },
        'consent-service',
      ),
    );
  }

  private prospectBrowsing(t0: number): RawTouchpoint[] {
    const events: RawTouchpoint[] = [];
    for (let i = this.rng.int(0, 3); i > 0; i--)
      events.push(this.interaction(t0 + this.rng.int(1, 120) * MS_PER_DAY, 'product-enquiry'));
    return events;
  }

  private assignRm(at: number): RawTouchpoint[] {
    this.rmId = this.rmFor();
    return [
      this.tp(
        'RelationshipManagerAssigned',
        at,
        { rmId: this.rmId, branchId: this.branchId, reason: 'onboarding' },
        'crm',
      ),
    ];
  }

  private openEvent(account: SimAccount, at: number, channel: Channel): RawTouchpoint {
    return this.tp(
      'ProductOpened',
      at,
      {
        accountId: account.accountId,
        productType: account.productType,
        productCode: account.productCode,
        currency: account.currency,
        channel,
        ...(channel === 'branch' ? { branchId: this.branchId } : {}),
      },
      'core-banking',
    );
  }

  private balances(at: number): RawTouchpoint[] {
    return this.book.openAccounts().flatMap((a) => {
      const balance = this.book.balanceOf(a, this.wealth);
      return balance === null
        ? []
        : [
            this.tp(
              'BalanceReported',
              at,
              { accountId: a.accountId, balanceMinor: String(balance), currency: a.currency },
              'core-banking',
            ),
          ];
    });
  }

  private interaction(at: number, purpose?: string): RawTouchpoint {
    const channel = this.rng.pick(ANY_CHANNEL);
    const base = {
      channel,
      purpose:
        purpose ??
        this.rng.pick(['login', 'balance-enquiry', 'payment', 'service-request', 'advice']),
      ...(channel === 'branch' ? { branchId: this.branchId } : {}),
    };
    // A fifth of producers still emit v1: the engine upcasts them on read.
    return this.rng.chance(0.2)
      ? this.tp('ChannelInteraction', at, base, `${channel}-channel`, 1)
      : this.tp(
          'ChannelInteraction',
          at,
          {
            ...base,
            outcome: this.rng.pick([
              'completed',
              'completed',
              'completed',
              'abandoned',
              'escalated',
            ]),
          },
          `${channel}-channel`,
          2,
        );
  }

  private transaction(
    at: number,
    account: SimAccount,
    direction: 'credit' | 'debit',
    amount: number,
    category: string,
    initiator: string,
  ): RawTouchpoint {
    return this.tp(
      'TransactionPosted',
      at,
      {
        transactionId: this.id('T'),
        accountId: account.accountId,
        direction,
        amountMinor: String(Math.max(1, Math.round(amount))),
        currency: account.currency,
        category,
        initiator,
        ...(initiator === 'customer' ? { channel: this.rng.pick(DIGITAL) } : {}),
      },
      'core-banking',
    );
  }

  private phase(
    m: number,
    turningPoint: number,
    silence: number,
  ): 'active' | 'declining' | 'silent' | 'leaving' | 'gone' {
    switch (this.archetype) {
      case 'stalled-onboarding':
        return 'silent';
      case 'declining':
        return m < turningPoint ? 'active' : m < turningPoint + 2 ? 'declining' : 'silent';
      case 'churner':
        return m < turningPoint
          ? 'active'
          : m < turningPoint + 2
            ? 'declining'
            : m === turningPoint + 2
              ? 'leaving'
              : 'gone';
      case 'win-back':
        return m >= turningPoint && m < turningPoint + silence ? 'silent' : 'active';
      default:
        return 'active';
    }
  }

  private month(m: number, turningPoint: number, silence: number, from: number): RawTouchpoint[] {
    const phase = this.phase(m, turningPoint, silence);
    if (phase === 'gone') return [];
    const at = (minDay: number, maxDay: number): number =>
      from + this.rng.int(minDay * 24, maxDay * 24) * 3_600_000 + this.rng.int(0, 3_599_999);
    const events: RawTouchpoint[] = [];
    if (phase === 'leaving') return this.leave(at(1, 20));
    if (phase === 'active') events.push(...this.activeMonth(m, at));
    if (phase === 'declining') events.push(...this.decliningMonth(at));
    // Statements: the main account monthly, the others quarterly (enough for AUM, far fewer events).
    const primary = this.book.primary();
    events.push(
      ...this.balances(from + 29 * MS_PER_DAY + 22 * 3_600_000).filter(
        (e) => m % 3 === 0 || e.data.accountId === primary?.accountId,
      ),
    );
    return events;
  }

  private activeMonth(m: number, at: (minDay: number, maxDay: number) => number): RawTouchpoint[] {
    const events: RawTouchpoint[] = [];
    const primary = this.book.primary();
    this.wealth *= this.archetype === 'grower' ? 1.03 : this.archetype === 'wealthy' ? 1.005 : 1.01;
    if (primary !== undefined && this.salary > 0) {
      events.push(
        this.transaction(at(24, 26), primary, 'credit', this.salary, 'salary', 'counterparty'),
      );
      this.wealth += this.salary * 0.1;
    }
    if (primary !== undefined && this.rng.chance(0.85)) {
      for (let i = this.rng.int(1, 2); i > 0; i--) {
        events.push(
          this.transaction(
            at(0, 27),
            primary,
            'debit',
            this.rng.logUniform(5_000, 400_000),
            this.rng.pick(['card-spend', 'bill-payment', 'transfer', 'cash-withdrawal']),
            'customer',
          ),
        );
      }
    }
    if (this.rng.chance(0.4)) events.push(this.interaction(at(0, 27)));
    if (this.rng.chance(this.archetype === 'grower' ? 0.1 : 0.02))
      events.push(...this.crossSell(at(2, 20)));
    if (this.rng.chance(0.08)) events.push(...this.campaign(at(0, 15)));
    if (this.rng.chance(this.archetype === 'churner' ? 0.05 : 0.01))
      events.push(...this.complaint(at(0, 27), 0.9));
    if (this.rng.chance(0.04))
      events.push(this.survey(at(0, 27), this.archetype === 'churner' ? [0, 7] : [6, 10]));
    if (this.rng.chance(0.02))
      events.push(
        this.tp(
          'ConsentChanged',
          at(0, 27),
          {
            purpose: this.rng.pick(CONSENTS),
            granted: this.rng.chance(0.6),
            channel: this.rng.pick(DIGITAL),
          },
          'consent-service',
        ),
      );
    if (this.rng.chance(0.01))
      events.push(
        this.tp(
          'ReferralMade',
          at(0, 27),
          { referralId: this.id('R'), channel: this.rng.pick(DIGITAL) },
          'crm',
        ),
      );
    if (this.rng.chance(0.01))
      events.push(
        this.tp(
          'ProfileUpdated',
          at(0, 27),
          {
            email: `c${this.serial}.${this.ctx.customerId.slice(0, 6)}@example.org`,
            channel: 'mobile',
          },
          'mobile-app',
        ),
      );
    if (this.rmId !== null && this.rng.chance(0.8)) {
      events.push(
        this.tp(
          'RmContactLogged',
          at(0, 27),
          {
            rmId: this.rmId,
            contactType: this.rng.pick(['meeting', 'call', 'video', 'message']),
            initiatedBy: this.rng.chance(0.2) ? 'customer' : 'rm',
            outcome: this.rng.chance(0.9) ? 'reached' : 'no-answer',
            durationMinutes: this.rng.int(5, 90),
          },
          'crm',
        ),
      );
    }
    if (this.rmId === null && this.wealth > 5e7 && this.rng.chance(0.3))
      events.push(...this.assignRm(at(0, 27)));
    if (m % 12 === 0 && this.rng.chance(0.1)) events.push(this.interaction(at(0, 27), 'advice'));
    return events;
  }

  private decliningMonth(at: (minDay: number, maxDay: number) => number): RawTouchpoint[] {
    const primary = this.book.primary();
    const outflow = this.wealth * 0.6;
    this.wealth -= outflow;
    this.salary = 0;
    const events: RawTouchpoint[] = [];
    if (primary !== undefined)
      events.push(this.transaction(at(0, 20), primary, 'debit', outflow, 'transfer', 'customer'));
    if (this.archetype === 'churner' && this.rng.chance(0.6))
      events.push(...this.complaint(at(0, 20), 0.4));
    if (this.archetype === 'churner' && this.rng.chance(0.5))
      events.push(this.survey(at(0, 27), [0, 5]));
    return events;
  }

  private leave(at: number): RawTouchpoint[] {
    const reason = this.rng.pick(['customer-request', 'switched-to-competitor']);
    const events = this.book.openAccounts().map((a, i) => {
      a.closed = true;
      return this.tp(
        'ProductClosed',
        at + i * 60_000,
        { accountId: a.accountId, reason, channel: this.rng.pick(ANY_CHANNEL) },
        'core-banking',
      );
    });
    if (this.rng.chance(0.3)) {
      this.deferred.push(
        this.tp(
          'PersonalDataErasureRequested',
          at + this.rng.int(60, 180) * MS_PER_DAY,
          { requestId: this.id('ER') },
          'privacy-office',
        ),
      );
    }
    return events;
  }

  private crossSell(at: number): RawTouchpoint[] {
    const next = CROSS_SELL_ORDER.find((t) => !this.book.holds(t));
    if (next === undefined) return [];
    const account = this.book.open(next, at);
    return [
      this.openEvent(account, at, this.rng.pick(ANY_CHANNEL)),
      ...this.balances(at + MS_PER_DAY).filter((e) => e.data.accountId === account.accountId),
    ];
  }

  private campaign(at: number): RawTouchpoint[] {
    const campaignId = `CMP-${this.rng.int(1, 40)}`;
    const offerId = this.id('OF');
    const channel = this.rng.pick(DIGITAL);
    const offered = this.tp(
      'CampaignOffered',
      at,
      { campaignId, offerId, channel, productType: this.rng.pick(CROSS_SELL_ORDER) },
      'marketing-platform',
    );
    if (this.rng.chance(0.35)) {
      this.deferred.push(
        this.tp(
          'CampaignResponded',
          at + this.rng.int(1, 20) * MS_PER_DAY,
          {
            campaignId,
            offerId,
            response: this.rng.pick(['clicked', 'accepted', 'declined']),
            channel,
          },
          'marketing-platform',
        ),
      );
    }
    return [offered];
  }

  private complaint(at: number, resolveProbability: number): RawTouchpoint[] {
    const complaintId = this.id('CP');
    if (this.rng.chance(resolveProbability)) {
      this.deferred.push(
        this.tp(
          'ComplaintResolved',
          at + this.rng.int(2, 45) * MS_PER_DAY,
          { complaintId, resolution: this.rng.pick(['upheld', 'partially-upheld', 'rejected']) },
          'complaints-desk',
        ),
      );
    }
    return [
      this.tp(
        'ComplaintFiled',
        at,
        {
          complaintId,
          category: this.rng.pick([
            'fees',
            'service-quality',
            'product',
            'digital-channel',
            'staff-conduct',
          ]),
          severity: this.rng.pick(['low', 'medium', 'high']),
          channel: this.rng.pick(ANY_CHANNEL),
        },
        'complaints-desk',
      ),
    ];
  }

  private survey(at: number, [min, max]: [number, number]): RawTouchpoint {
    return this.tp(
      'SatisfactionSurveyed',
      at,
      { surveyId: this.id('S'), nps: this.rng.int(min, max), channel: this.rng.pick(DIGITAL) },
      'survey-platform',
    );
  }
}

/** The touchpoints of one customer, in non-decreasing occurredAt, all before ctx.endMs. */
export function customerJourney(ctx: JourneyContext): Generator<RawTouchpoint> {
  return new Journey(ctx).events();
}
