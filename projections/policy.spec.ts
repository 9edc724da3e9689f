import retailBankV1 from '../policy/retail-bank.v1.json';
import { toBaseMinor } from './money';
import { PolicyError, parsePolicy } from './policy';

const clone = (): Record<string, unknown> =>
  JSON.parse(JSON.stringify(retailBankV1)) as Record<string, unknown>;

describe('policy', () => {
  it('given the bundled retail-bank policy, when parsed, then it is accepted with its version', () => {
    const policy = parsePolicy(retailBankV1);
    expect(policy.policyVersion).toBe('retail-bank.v1');
    expect(policy.valueTier.bands.map((b) => b.minAumMinor)).toEqual([
      '5000000',
      '50000000',
      '600000000',
      '3000000000',
    ]);
  });

  it.each([
    ['lifecycle.atRiskInactivityDays', 'soon'],
    ['lifecycle.dormantInactivityDays', 30],
    ['valueTier.bands.1.minAumMinor', '100'],
    ['valueTier.bands.0.tier', 'gold'],
    ['currencies.CNY.rateToBase', '2'],
    ['rmCoverage.contactIntervalDays.private', undefined],
    ['valueTier.aumProductTypes.0', 'gold-bars'],
    ['churnRisk.inactivity.full', 1],
  ])('given %s set to %p, when parsed, then the error names that field', (path, value) => {
    const doc = clone();
    const keys = path.split('.');
    const parent = keys
      .slice(0, -1)
      .reduce((node, key) => node[key] as Record<string, unknown>, doc);
    parent[keys[keys.length - 1]] = value;
    const field = path
      .replace(/\.(\d+)(?=\.|$)/g, '[$1]')
      .replace('currencies.CNY.rateToBase', 'currencies.CNY');
    expect(() => parsePolicy(doc)).toThrow(PolicyError);
    expect(() => parsePolicy(doc)).toThrow(`"${field}"`);
  });

  it('converts across minor-unit exponents at the fixed rate, truncating toward zero', () => {
    const policy = parsePolicy(retailBankV1);
    expect(toBaseMinor('1000', 'JPY', policy)).toBe('4800');
    expect(toBaseMinor('-333', 'USD', policy)).toBe('-2364');
    expect(toBaseMinor('100', 'XXX', policy)).toBeNull();
  });
});
