/**
 * The simulated customer's accounts and money. Amounts are plain numbers of minor units here
 * (simulated wealth stays far below 2^53) and become decimal strings in the touchpoints.
 */
import type { ProductType } from '../../projections/vocabulary';
import type { Prng } from './prng';

export interface SimAccount {
  readonly accountId: string;
  readonly productType: ProductType;
  readonly productCode: string;
  readonly currency: string;
  readonly openedMs: number;
  /** Share of the customer's wealth held here (deposits/investments), or debt for loans/cards. */
  readonly weight: number;
  closed: boolean;
}

const PRODUCT_CODES: Readonly<Record<ProductType, readonly string[]>> = {
  current: ['CUR-STD', 'CUR-PLUS'],
  savings: ['SAV-FLEX', 'SAV-BONUS'],
  'term-deposit': ['TD-12M', 'TD-36M'],
  'wealth-fund': ['WF-BAL', 'WF-GROWTH', 'WF-BOND'],
  insurance: ['INS-LIFE', 'INS-HEALTH'],
  'credit-card': ['CC-CLASSIC', 'CC-PLATINUM'],
  'personal-loan': ['PL-CONSUMER'],
  mortgage: ['MTG-30Y'],
};

const WEIGHTS: Readonly<Record<ProductType, number>> = {
  current: 0.15,
  savings: 0.35,
  'term-deposit': 0.2,
  'wealth-fund': 0.3,
  insurance: 0,
  'credit-card': -0.02,
  'personal-loan': -0.1,
  mortgage: -1.5,
};

/** Products a customer typically adds, in the order banks cross-sell them. */
export const CROSS_SELL_ORDER: readonly ProductType[] = [
  'savings',
  'credit-card',
  'wealth-fund',
  'term-deposit',
  'insurance',
  'personal-loan',
  'mortgage',
];

export class AccountBook {
  private readonly accounts: SimAccount[] = [];
  private sequence = 0;

  constructor(
    private readonly prefix: string,
    private readonly rng: Prng,
  ) {}

  open(productType: ProductType, openedMs: number, currency = 'CNY'): SimAccount {
    this.sequence += 1;
    const account: SimAccount = {
      accountId: `${this.prefix}-${this.sequence}`,
      productType,
      productCode: this.rng.pick(PRODUCT_CODES[productType]),
      currency,
      openedMs,
      weight: WEIGHTS[productType],
      closed: false,
    };
    this.accounts.push(account);
    return account;
  }

  openAccounts(): readonly SimAccount[] {
    return this.accounts.filter((a) => !a.closed);
  }

  holds(productType: ProductType): boolean {
    return this.accounts.some((a) => !a.closed && a.productType === productType);
  }

  primary(): SimAccount | undefined {
    return this.accounts.find((a) => !a.closed && a.productType === 'current');
  }

  /**
   * Balance of an account given the customer's wealth (CNY minor units): deposits and
   * investments share it by weight, with some noise; debts scale with it; insurance has none.
   */
  balanceOf(account: SimAccount, wealth: number): number | null {
    if (account.productType === 'insurance') return null;
    const total = this.openAccounts().reduce((sum, a) => sum + Math.max(0, a.weight), 0);
    const noise = 0.9 + this.rng.next() * 0.2;
    const share = account.weight > 0 ? account.weight / total : account.weight;
    const cny = Math.round(wealth * share * noise);
    return account.currency === 'USD' ? Math.round(cny / 7.1) : cny;
  }
}
