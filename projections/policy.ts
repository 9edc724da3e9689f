/**
 * The versioned policy: every threshold the projections apply. Loaded from JSON (see
 * policy/retail-bank.v1.json) and checked by parsePolicy so a bad file fails at start-up with
 * the name of the bad field, never half-way through a rebuild.
 */
import {
  VALUE_TIERS,
  type ValueTier,
  PRODUCT_TYPES,
  type ProductType,
  isOneOf,
  MARKETING_PURPOSES,
  type MarketingPurpose,
} from './vocabulary';

/** opt-in: only a granted consent allows contact. opt-out: anyone who did not refuse. */
export const CONSENT_MODELS = ['opt-in', 'opt-out'] as const;
export type ConsentModel = (typeof CONSENT_MODELS)[number];

export interface CurrencyRate {
  /** ISO 4217 exponent: 2 for CNY, 0 for JPY. */
  readonly minorUnits: number;
  /** Fixed decimal rate: one major unit of this currency in major units of the base currency. */
  readonly rateToBase: string;
}

export interface LinearRamp {
  /** Below this the reason contributes nothing. */
  readonly start: number;
  /** At or above this it contributes maxPoints; linear in between. */
  readonly full: number;
  readonly maxPoints: number;
}

export interface TierBand {
  readonly tier: Exclude<ValueTier, 'mass'>;
  readonly minAumMinor: string;
}

export interface Policy {
  readonly policyVersion: string;
  readonly baseCurrency: string;
  readonly currencies: Readonly<Record<string, CurrencyRate>>;
  readonly lifecycle: {
    readonly engagedMinProducts: number;
    readonly engagedMinChannels: number;
    readonly loyalMinProducts: number;
    readonly loyalMinTenureMonths: number;
    readonly atRiskInactivityDays: number;
    readonly dormantInactivityDays: number;
    readonly reactivationWatchDays: number;
    readonly historyLimit: number;
  };
  readonly valueTier: {
    readonly aumProductTypes: readonly ProductType[];
    /** Ascending, one per tier above mass. */
    readonly bands: readonly TierBand[];
    /** Long, broad relationships qualify for a band at a share of its AUM threshold. */
    readonly relationshipRelief: {
      readonly minProducts: number;
      readonly minTenureMonths: number;
      readonly aumPercent: number;
    };
    /** A tier is only at risk of downgrade below (band minimum - this percent). */
    readonly downgradeBufferPercent: number;
    readonly downgradeGraceDays: number;
    readonly historyLimit: number;
  };
  readonly churnRisk: {
    readonly atRiskScore: number;
    /** Percent drop of AUM from its peak within windowDays. */
    readonly balanceOutflow: LinearRamp & { readonly windowDays: number };
    /** Days without customer-initiated activity. */
    readonly inactivity: LinearRamp;
    readonly unresolvedComplaints: { readonly pointsEach: number; readonly maxPoints: number };
    readonly lowNps: {
      readonly detractorMax: number;
      readonly detractorPoints: number;
      readonly passiveMax: number;
      readonly passivePoints: number;
    };
    readonly closures: {
      readonly windowDays: number;
      readonly pointsEach: number;
      readonly maxPoints: number;
    };
  };
  readonly rmCoverage: {
    /** Required contact interval per tier; null means no RM coverage is required. */
    readonly contactIntervalDays: Readonly<Record<ValueTier, number | null>>;
    readonly dueSoonDays: number;
  };
  readonly marketing: {
    /** The rule for every marketing purpose the policy does not name in `purposes`. */
    readonly consentModel: ConsentModel;
    /** Each marketing purpose's own rule (a bank may treat a phone call unlike an email). */
    readonly purposes: Readonly<Record<MarketingPurpose, ConsentModel>>;
  };
  readonly privacy: {
    /** Personal fields kept as anti-money-laundering evidence while the retention window runs. */
    readonly amlEvidenceFields: readonly string[];
    /** Days after the relationship ends (its last product closed) that the evidence is kept. */
    readonly amlRetentionDays: number;
  };
}

export class PolicyError extends Error {
  constructor(
    readonly field: string,
    rule: string,
  ) {
    super(`policy field "${field}" ${rule}`);
    this.name = 'PolicyError';
  }
}

type Json = Readonly<Record<string, unknown>>;

function object(value: unknown, field: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PolicyError(field, 'must be an object');
  }
  return value as Json;
}

function integer(
  value: unknown,
  field: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new PolicyError(field, `must be an integer between ${min} and ${max}`);
  }
  return value;
}

function text(value: unknown, field: string, pattern: RegExp): string {
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new PolicyError(field, `must be a string matching ${String(pattern)}`);
  }
  return value;
}

const MINOR = /^\d{1,30}$/;
const RATE = /^\d{1,12}(\.\d{1,12})?$/;
const CURRENCY = /^[A-Z]{3}$/;

function ramp(value: unknown, field: string, max: number): LinearRamp {
  const o = object(value, field);
  const start = integer(o.start, `${field}.start`, 0, max);
  const full = integer(o.full, `${field}.full`, start + 1, max);
  return { start, full, maxPoints: integer(o.maxPoints, `${field}.maxPoints`, 0, 100) };
}

function parseCurrencies(value: unknown, baseCurrency: string): Record<string, CurrencyRate> {
  const o = object(value, 'currencies');
  const currencies: Record<string, CurrencyRate> = {};
  for (const code of Object.keys(o).sort()) {
    const field = `currencies.${code}`;
    text(code, field, CURRENCY);
    const entry = object(o[code], field);
    currencies[code] = {
      minorUnits: integer(entry.minorUnits, `${field}.minorUnits`, 0, 4),
      rateToBase: text(entry.rateToBase, `${field}.rateToBase`, RATE),
    };
  }
  const base = currencies[baseCurrency];
  if (base === undefined || Number(base.rateToBase) !== 1) {
    throw new PolicyError(`currencies.${baseCurrency}`, 'must list the base currency at rate 1');
  }
  return currencies;
}

function parseBands(value: unknown): TierBand[] {
  if (!Array.isArray(value)) throw new PolicyError('valueTier.bands', 'must be an array');
  const expected = VALUE_TIERS.filter((t): t is TierBand['tier'] => t !== 'mass');
  if (value.length !== expected.length) {
    throw new PolicyError('valueTier.bands', `must list exactly ${expected.join(', ')}`);
  }
  return value.map((raw: unknown, i) => {
    const field = `valueTier.bands[${i}]`;
    const band = object(raw, field);
    if (band.tier !== expected[i])
      throw new PolicyError(`${field}.tier`, `must be "${expected[i]}"`);
    const minAumMinor = text(band.minAumMinor, `${field}.minAumMinor`, MINOR);
    const previous = i > 0 ? (value[i - 1] as Json).minAumMinor : '0';
    if (BigInt(minAumMinor) <= BigInt(String(previous))) {
      throw new PolicyError(`${field}.minAumMinor`, 'must be greater than the band below');
    }
    return { tier: expected[i], minAumMinor };
  });
}

function parseIntervals(value: unknown): Record<ValueTier, number | null> {
  const o = object(value, 'rmCoverage.contactIntervalDays');
  const result = {} as Record<ValueTier, number | null>;
  for (const tier of VALUE_TIERS) {
    const field = `rmCoverage.contactIntervalDays.${tier}`;
    result[tier] = o[tier] === null ? null : integer(o[tier], field, 1, 3660);
  }
  return result;
}

function parseProductTypes(value: unknown): ProductType[] {
  const field = 'valueTier.aumProductTypes';
  if (!Array.isArray(value) || value.length === 0)
    throw new PolicyError(field, 'must be a non-empty array');
  return value.map((type: unknown, i) => {
    if (!isOneOf(PRODUCT_TYPES, type)) {
      throw new PolicyError(`${field}[${i}]`, `must be one of ${PRODUCT_TYPES.join(', ')}`);
    }
    return type;
  });
}

function consentModel(value: unknown, field: string): ConsentModel {
  if (!isOneOf(CONSENT_MODELS, value))
    throw new PolicyError(field, `must be one of ${CONSENT_MODELS.join(', ')}`);
  return value;
}

function parseMarketing(value: unknown): Policy['marketing'] {
  const o = object(value, 'marketing');
  const model = consentModel(o.consentModel, 'marketing.consentModel');
  const named = o.purposes === undefined ? {} : object(o.purposes, 'marketing.purposes');
  for (const purpose of Object.keys(named)) {
    if (!isOneOf(MARKETING_PURPOSES, purpose))
      throw new PolicyError(
        `marketing.purposes.${purpose}`,
        `is not a marketing purpose (${MARKETING_PURPOSES.join(', ')})`,
      );
  }
  const purposes = {} as Record<MarketingPurpose, ConsentModel>;
  for (const purpose of MARKETING_PURPOSES) {
    purposes[purpose] =
      named[purpose] === undefined
        ? model
        : consentModel(named[purpose], `marketing.purposes.${purpose}`);
  }
  return { consentModel: model, purposes };
}

const FIELD_NAME = /^[a-z][A-Za-z0-9]{0,63}$/;

function parsePrivacy(value: unknown): Policy['privacy'] {
  const o = object(value, 'privacy');
  const fields = o.amlEvidenceFields;
  if (!Array.isArray(fields))
    throw new PolicyError('privacy.amlEvidenceFields', 'must be an array');
  return {
    amlEvidenceFields: fields.map((field: unknown, i) =>
      text(field, `privacy.amlEvidenceFields[${i}]`, FIELD_NAME),
    ),
    amlRetentionDays: integer(o.amlRetentionDays, 'privacy.amlRetentionDays', 0, 36_600),
  };
}

/** Validates a parsed policy document; throws PolicyError naming the first bad field. */
export function parsePolicy(json: unknown): Policy {
  const root = object(json, '(root)');
  const baseCurrency = text(root.baseCurrency, 'baseCurrency', CURRENCY);
  const lifecycle = object(root.lifecycle, 'lifecycle');
  const valueTier = object(root.valueTier, 'valueTier');
  const relief = object(valueTier.relationshipRelief, 'valueTier.relationshipRelief');
  const churn = object(root.churnRisk, 'churnRisk');
  const outflow = object(churn.balanceOutflow, 'churnRisk.balanceOutflow');
  const complaints = object(churn.unresolvedComplaints, 'churnRisk.unresolvedComplaints');
  const nps = object(churn.lowNps, 'churnRisk.lowNps');
  const closures = object(churn.closures, 'churnRisk.closures');
  const rm = object(root.rmCoverage, 'rmCoverage');
  const atRiskInactivityDays = integer(
    lifecycle.atRiskInactivityDays,
    'lifecycle.atRiskInactivityDays',
    1,
  );
  const detractorMax = integer(nps.detractorMax, 'churnRisk.lowNps.detractorMax', 0, 10);
  return {
    policyVersion: text(root.policyVersion, 'policyVersion', /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
    baseCurrency,
    currencies: parseCurrencies(root.currencies, baseCurrency),
    lifecycle: {
      engagedMinProducts: integer(lifecycle.engagedMinProducts, 'lifecycle.engagedMinProducts', 1),
      engagedMinChannels: integer(lifecycle.engagedMinChannels, 'lifecycle.engagedMinChannels', 1),
      loyalMinProducts: integer(lifecycle.loyalMinProducts, 'lifecycle.loyalMinProducts', 1),
      loyalMinTenureMonths: integer(
        lifecycle.loyalMinTenureMonths,
        'lifecycle.loyalMinTenureMonths',
        0,
      ),
      atRiskInactivityDays,
      dormantInactivityDays: integer(
        lifecycle.dormantInactivityDays,
        'lifecycle.dormantInactivityDays',
        atRiskInactivityDays + 1,
      ),
      reactivationWatchDays: integer(
        lifecycle.reactivationWatchDays,
        'lifecycle.reactivationWatchDays',
        1,
      ),
      historyLimit: integer(lifecycle.historyLimit, 'lifecycle.historyLimit', 1, 1000),
    },
    valueTier: {
      aumProductTypes: parseProductTypes(valueTier.aumProductTypes),
      bands: parseBands(valueTier.bands),
      relationshipRelief: {
        minProducts: integer(relief.minProducts, 'valueTier.relationshipRelief.minProducts', 1),
        minTenureMonths: integer(
          relief.minTenureMonths,
          'valueTier.relationshipRelief.minTenureMonths',
          0,
        ),
        aumPercent: integer(relief.aumPercent, 'valueTier.relationshipRelief.aumPercent', 1, 100),
      },
      downgradeBufferPercent: integer(
        valueTier.downgradeBufferPercent,
        'valueTier.downgradeBufferPercent',
        0,
        99,
      ),
      downgradeGraceDays: integer(valueTier.downgradeGraceDays, 'valueTier.downgradeGraceDays', 0),
      historyLimit: integer(valueTier.historyLimit, 'valueTier.historyLimit', 1, 1000),
    },
    churnRisk: {
      atRiskScore: integer(churn.atRiskScore, 'churnRisk.atRiskScore', 1, 100),
      balanceOutflow: {
        ...ramp(outflow, 'churnRisk.balanceOutflow', 100),
        windowDays: integer(outflow.windowDays, 'churnRisk.balanceOutflow.windowDays', 1),
      },
      inactivity: ramp(churn.inactivity, 'churnRisk.inactivity', 100_000),
      unresolvedComplaints: {
        pointsEach: integer(
          complaints.pointsEach,
          'churnRisk.unresolvedComplaints.pointsEach',
          0,
          100,
        ),
        maxPoints: integer(
          complaints.maxPoints,
          'churnRisk.unresolvedComplaints.maxPoints',
          0,
          100,
        ),
      },
      lowNps: {
        detractorMax,
        detractorPoints: integer(nps.detractorPoints, 'churnRisk.lowNps.detractorPoints', 0, 100),
        passiveMax: integer(nps.passiveMax, 'churnRisk.lowNps.passiveMax', detractorMax, 10),
        passivePoints: integer(nps.passivePoints, 'churnRisk.lowNps.passivePoints', 0, 100),
      },
      closures: {
        windowDays: integer(closures.windowDays, 'churnRisk.closures.windowDays', 1),
        pointsEach: integer(closures.pointsEach, 'churnRisk.closures.pointsEach', 0, 100),
        maxPoints: integer(closures.maxPoints, 'churnRisk.closures.maxPoints', 0, 100),
      },
    },
    rmCoverage: {
      contactIntervalDays: parseIntervals(rm.contactIntervalDays),
      dueSoonDays: integer(rm.dueSoonDays, 'rmCoverage.dueSoonDays', 0),
    },
    marketing: parseMarketing(root.marketing),
    privacy: parsePrivacy(root.privacy),
  };
}
