/** Measures of what the customer holds, in the policy's base currency. */
import { type CustomerState, openProducts } from './customer-state';
import { parseMinor, toBaseMinor } from './money';
import type { Policy } from './policy';
import { monthsBetween } from './time';

/**
 * Assets under management: open deposit and investment accounts (policy.valueTier.aumProductTypes)
 * at their latest balance, converted to base currency. Overdrawn accounts count as zero; loans
 * and cards are never AUM.
 */
export function aumMinor(state: CustomerState, policy: Policy): string {
  let total = 0n;
  for (const product of openProducts(state)) {
    if (product.balance === null || !policy.valueTier.aumProductTypes.includes(product.productType))
      continue;
    const base = toBaseMinor(product.balance.amountMinor, product.balance.currency, policy);
    if (base !== null && parseMinor(base) > 0n) total += parseMinor(base);
  }
  return total.toString();
}

/** Distinct product types currently held. */
export function productBreadth(state: CustomerState): number {
  return new Set(openProducts(state).map((p) => p.productType)).size;
}

export function tenureMonths(state: CustomerState): number {
  return state.tenureStartedAt === null || state.asOf === null
    ? 0
    : monthsBetween(state.tenureStartedAt, state.asOf);
}

export function everHeldProducts(state: CustomerState): boolean {
  return Object.keys(state.products).length > 0;
}

/** Inactivity is measured from the last customer-initiated activity, else from first sight. */
export function inactivityBaseline(state: CustomerState): string | null {
  return state.lastCustomerActivityAt ?? state.firstSeenAt;
}
