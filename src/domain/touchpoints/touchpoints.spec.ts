import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { touchpoint } from '../../../projections/testing/touchpoints';
import {
  TOUCHPOINT_VERSIONS,
  type TouchpointType,
  type TouchpointVersion,
} from '../../../projections/touchpoint-types';
import { SYSTEM_EVENT_TYPES } from '../../../projections/vocabulary';
import {
  type DomainEvent,
  SYSTEM_TOUCHPOINT_TYPES,
  TOUCHPOINT_TYPES,
  UnknownTouchpointError,
  allSchemas,
  latestVersion,
  schemaFor,
  upcast,
} from '.';

async function errors(type: string, version: number, data: unknown): Promise<string[]> {
  const schema = schemaFor(type, version);
  if (schema === undefined) throw new Error(`no schema ${type} v${version}`);
  const found = await validate(plainToInstance(schema.payload, data) as object, {
    whitelist: true,
    forbidNonWhitelisted: true,
  });
  const flatten = (list: typeof found, prefix = ''): string[] =>
    list.flatMap((e) => [
      ...Object.keys(e.constraints ?? {}).map((rule) => `${prefix}${e.property}:${rule}`),
      ...flatten(e.children ?? [], `${prefix}${e.property}.`),
    ]);
  return flatten(found);
}

const event = (type: TouchpointType, version: TouchpointVersion, data: Record<string, unknown>) =>
  touchpoint(type, '2024-05-01T10:00:00Z', data, version, '00000000-0000-4000-8000-000000000001');

const key = ({ type, version }: { type: string; version: number }) => `${type}@${version}`;

describe('touchpoint catalog', () => {
  it('holds a schema for exactly the (type, version) pairs of the typed union, TOUCHPOINT_VERSIONS', () => {
    expect(allSchemas().map(key).sort()).toEqual(TOUCHPOINT_VERSIONS.map(key).sort());
    expect(new Set(allSchemas().map(key)).size).toBe(allSchemas().length);
  });

  it('lists every type of the design vocabulary plus the scheduler events', () => {
    expect([...TOUCHPOINT_TYPES].sort()).toEqual(
      [
        'ProspectCaptured',
        'CustomerImported',
        'KycVerified',
        'KycExpired',
        'ProfileUpdated',
        'ProductOpened',
        'ProductClosed',
        'BalanceReported',
        'TransactionPosted',
        'ChannelInteraction',
        'RelationshipManagerAssigned',
        'RmContactLogged',
        'CampaignOffered',
        'CampaignResponded',
        'ComplaintFiled',
        'ComplaintResolved',
        'SatisfactionSurveyed',
        'ReferralMade',
        'ConsentChanged',
        'PersonalDataErasureRequested',
        'PersonalDataErased',
        ...Object.values(SYSTEM_EVENT_TYPES),
      ].sort(),
    );
    expect([...SYSTEM_TOUCHPOINT_TYPES].sort()).toEqual(Object.values(SYSTEM_EVENT_TYPES).sort());
  });

  it('knows versions: ChannelInteraction has v1 and v2, v2 is latest; unknown ones are undefined', () => {
    expect(latestVersion('ChannelInteraction')).toBe(2);
    expect(schemaFor('ChannelInteraction', 1)?.payload).toBeDefined();
    expect(schemaFor('ChannelInteraction', 3)).toBeUndefined();
    expect(latestVersion('Nope')).toBeUndefined();
  });

  it('marks personal-data fields and system-only types', () => {
    expect(schemaFor('ProspectCaptured', 1)?.personalDataFields).toEqual([
      'email',
      'fullName',
      'phone',
    ]);
    expect(schemaFor('ProfileUpdated', 1)?.personalDataFields).toEqual([
      'address',
      'email',
      'fullName',
      'phone',
    ]);
    expect(schemaFor('CustomerImported', 1)?.personalDataFields).toEqual([
      'email',
      'fullName',
      'nationalId',
      'phone',
    ]);
    expect(schemaFor('KycVerified', 1)?.personalDataFields).toEqual(['documentNumber']);
    expect(schemaFor('BalanceReported', 1)?.personalDataFields).toEqual([]);
    expect(schemaFor('RmContactOverdue', 1)?.systemOnly).toBe(true);
    expect(schemaFor('ProductOpened', 1)?.systemOnly).toBe(false);
  });

  it('given a valid balance above 2^53 as a decimal string, then it is accepted', async () => {
    expect(
      await errors('BalanceReported', 1, {
        accountId: 'A-1',
        balanceMinor: '-123456789012345678901234',
        currency: 'CNY',
      }),
    ).toEqual([]);
  });

  it.each([
    [{ accountId: 'A-1', balanceMinor: 12.5, currency: 'CNY' }, 'balanceMinor:isMinorUnits'],
    [{ accountId: 'A-1', balanceMinor: '1.25', currency: 'CNY' }, 'balanceMinor:isMinorUnits'],
    [{ accountId: 'A-1', balanceMinor: '100', currency: 'cny' }, 'currency:isCurrencyCode'],
    [
      { accountId: 'A-1', balanceMinor: '100', currency: 'CNY', extra: 1 },
      'extra:whitelistValidation',
    ],
  ])('given bad balance data %p, then %s is reported', async (data, rule) => {
    expect(await errors('BalanceReported', 1, data)).toContain(rule);
  });

  it('validates nested import snapshots and refuses a bad product inside', async () => {
    const snapshot = {
      sourceSystem: 'legacy-crm',
      legacyCustomerRef: 'L1',
      tenureStartedAt: '2010-03-01T00:00:00Z',
      fullName: 'Wang Fang',
      products: [
        {
          accountId: 'A1',
          productType: 'savings',
          productCode: 'SAV',
          currency: 'CNY',
          openedAt: '2010-03-01T00:00:00Z',
          balanceMinor: '1250000',
        },
      ],
      relationshipManager: { rmId: 'RM-1', branchId: 'BR-1' },
      legacyTier: 'affluent',
      legacyStage: 'loyal',
    };
    expect(await errors('CustomerImported', 1, snapshot)).toEqual([]);
    const bad = {
      ...snapshot,
      products: [
        { ...snapshot.products[0], productType: 'gold', openedAt: '2010-02-30T00:00:00Z' },
      ],
    };
    expect(await errors('CustomerImported', 1, bad)).toEqual(
      expect.arrayContaining(['products.0.productType:isIn', 'products.0.openedAt:isUtcInstant']),
    );
  });

  it('refuses an NPS outside 0-10 and a non-E.164 phone', async () => {
    expect(
      await errors('SatisfactionSurveyed', 1, { surveyId: 'S', nps: 11, channel: 'web' }),
    ).toEqual(['nps:max']);
    expect(
      await errors('ProspectCaptured', 1, {
        source: 'website',
        channel: 'web',
        fullName: 'A',
        phone: '12345',
      }),
    ).toEqual(['phone:matches']);
  });
});

describe('upcasting', () => {
  it('given a ChannelInteraction v1, when upcast, then it reads as v2 with outcome "unknown" and validates as v2', async () => {
    const v1 = event('ChannelInteraction', 1, { channel: 'mobile', purpose: 'login' });
    const v2 = upcast(v1);
    expect(v2).toEqual({
      ...v1,
      version: 2,
      data: { channel: 'mobile', purpose: 'login', outcome: 'unknown' },
    });
    expect(await errors('ChannelInteraction', 2, v2.data)).toEqual([]);
  });

  it('given an event at its latest version, then upcast returns it unchanged', () => {
    const latest = event('ChannelInteraction', 2, {
      channel: 'web',
      purpose: 'login',
      outcome: 'completed',
    });
    expect(upcast(latest)).toBe(latest);
  });

  it('given an unknown type or future version, then upcast throws', () => {
    const unknownType: DomainEvent = { ...event('ChannelInteraction', 2, {}), type: 'Nope' };
    const futureVersion: DomainEvent = { ...event('ChannelInteraction', 2, {}), version: 3 };
    expect(() => upcast(unknownType)).toThrow(UnknownTouchpointError);
    expect(() => upcast(futureVersion)).toThrow(UnknownTouchpointError);
  });
});
