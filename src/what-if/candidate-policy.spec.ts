import retailBankV1 from '../../policy/retail-bank.v1.json';
import { RequestValidationError } from '../http/errors/errors';
import { parseCandidatePolicy } from './candidate-policy';

/** The field errors a candidate is refused with. */
function refusal(body: unknown) {
  try {
    parseCandidatePolicy(body);
  } catch (error) {
    if (error instanceof RequestValidationError) return error.errors;
    throw error;
  }
  throw new Error('accepted');
}

describe('parseCandidatePolicy', () => {
  it('accepts a valid policy document, as the policy file is read', () => {
    expect(parseCandidatePolicy(retailBankV1).policyVersion).toBe('retail-bank.v1');
  });

  it('refuses a band below the one before it, naming the field and rule', () => {
    const bands = retailBankV1.valueTier.bands.map((band) =>
      band.tier === 'affluent' ? { ...band, minAumMinor: '100' } : band,
    );
    expect(refusal({ ...retailBankV1, valueTier: { ...retailBankV1.valueTier, bands } })).toEqual([
      {
        field: 'valueTier.bands[1].minAumMinor',
        rule: 'isAscending',
        message: 'valueTier.bands[1].minAumMinor must be greater than the band below',
      },
    ]);
  });

  it('names the rule of each kind of mistake', () => {
    const lifecycle = { ...retailBankV1.lifecycle, atRiskInactivityDays: 0 };
    expect(refusal({ ...retailBankV1, lifecycle })).toEqual([
      {
        field: 'lifecycle.atRiskInactivityDays',
        rule: 'isInt',
        message: `lifecycle.atRiskInactivityDays must be an integer between 1 and ${Number.MAX_SAFE_INTEGER}`,
      },
    ]);
    expect(refusal({ ...retailBankV1, policyVersion: 'no spaces' })).toEqual([
      expect.objectContaining({ field: 'policyVersion', rule: 'matches' }),
    ]);
    expect(refusal({ ...retailBankV1, churnRisk: [] })).toEqual([
      expect.objectContaining({ field: 'churnRisk', rule: 'isObject' }),
    ]);
    expect(refusal({ ...retailBankV1, marketing: { consentModel: 'maybe' } })).toEqual([
      expect.objectContaining({ field: 'marketing.consentModel', rule: 'isIn' }),
    ]);
    expect(refusal([])).toEqual([
      { field: '(body)', rule: 'isObject', message: 'the body must be an object' },
    ]);
  });
});
