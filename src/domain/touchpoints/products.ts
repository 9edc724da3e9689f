/** Products and money: openings, closures, balance snapshots and transactions. */
import { IsIn, IsOptional } from 'class-validator';
import { CHANNELS, PRODUCT_TYPES } from '../../../projections/vocabulary';
import { IsCurrencyCode, IsIdentifier, IsMinorUnits, IsNonNegativeMinorUnits } from './validation';

export class ProductOpenedV1 {
  @IsIdentifier() accountId!: string;
  @IsIn(PRODUCT_TYPES) productType!: string;
  @IsIdentifier() productCode!: string;
  @IsCurrencyCode() currency!: string;
  @IsIn(CHANNELS) channel!: string;
  @IsOptional() @IsIdentifier() branchId?: string;
  /** Credit limit of a card, principal of a loan or mortgage. */
  @IsOptional() @IsNonNegativeMinorUnits() limitMinor?: string;
}

export const CLOSURE_REASONS = [
  'customer-request',
  'matured',
  'repaid',
  'switched-to-competitor',
  'bank-initiated',
] as const;

export class ProductClosedV1 {
  @IsIdentifier() accountId!: string;
  @IsIn(CLOSURE_REASONS) reason!: string;
  @IsOptional() @IsIn(CHANNELS) channel?: string;
}

/** End-of-day snapshot of one account; negative for a drawn card, loan or overdraft. */
export class BalanceReportedV1 {
  @IsIdentifier() accountId!: string;
  @IsMinorUnits() balanceMinor!: string;
  @IsCurrencyCode() currency!: string;
}

export const TRANSACTION_DIRECTIONS = ['credit', 'debit'] as const;
export const TRANSACTION_CATEGORIES = [
  'salary',
  'card-spend',
  'transfer',
  'bill-payment',
  'cash-withdrawal',
  'cash-deposit',
  'investment',
  'loan-repayment',
  'interest',
  'fee',
] as const;
/** Who caused it: only customer-initiated transactions count against inactivity. */
export const TRANSACTION_INITIATORS = ['customer', 'counterparty', 'bank'] as const;

export class TransactionPostedV1 {
  @IsIdentifier() transactionId!: string;
  @IsIdentifier() accountId!: string;
  @IsIn(TRANSACTION_DIRECTIONS) direction!: string;
  @IsNonNegativeMinorUnits() amountMinor!: string;
  @IsCurrencyCode() currency!: string;
  @IsIn(TRANSACTION_CATEGORIES) category!: string;
  @IsIn(TRANSACTION_INITIATORS) initiator!: string;
  @IsOptional() @IsIn(CHANNELS) channel?: string;
}
