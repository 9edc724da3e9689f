import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { canonicalize } from 'json-canonicalize';
import { canonicalEventJson, canonicalJson, chainHash, GENESIS_HASH } from './hash-chain';

describe('canonical JSON (RFC 8785)', () => {
  it('gives exactly the bytes of json-canonicalize for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        expect(canonicalJson(value)).toBe(canonicalize(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('sorts keys by UTF-16 code units and writes numbers as ECMAScript does (RFC 8785 3.2.3, B)', () => {
    expect(canonicalJson({ '\u20ac': 1, '\r': 2, '\ud83d\ude00': 3, '\u00f6': 4, '1': 5 })).toBe(
      '{"\\r":2,"1":5,"ö":4,"€":1,"😀":3}',
    );
    expect(
      canonicalJson([1e21, 1e-7, -0, 0.000001, 333333333.3333333, 1e23, 9007199254740992]),
    ).toBe('[1e+21,1e-7,0,0.000001,333333333.3333333,1e+23,9007199254740992]');
    expect(canonicalJson({ a: undefined, b: [undefined] })).toBe('{"b":[null]}');
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(RangeError);
  });
});

describe('hash chain', () => {
  const event = {
    eventId: 'A0E1B3C4-0000-4000-8000-000000000001',
    streamId: 'customer-c-1',
    revision: 0,
    type: 'ProspectCaptured',
    version: 1,
    occurredAt: '2026-01-05T09:00:00Z',
    data: { channel: 'branch', $personal: { v: 1, iv: 'x', ct: 'y', mac: 'z' } },
    metadata: { sourceSystem: 'crm' },
  };

  it('hashes the previous link and the documented canonical form, id lower-case, instant in ms', () => {
    const canonical =
      '{"data":{"$personal":{"ct":"y","iv":"x","mac":"z","v":1},"channel":"branch"},' +
      '"eventId":"a0e1b3c4-0000-4000-8000-000000000001","metadata":{"sourceSystem":"crm"},' +
      '"occurredAt":"2026-01-05T09:00:00.000Z","revision":0,"streamId":"customer-c-1",' +
      '"type":"ProspectCaptured","version":1}';
    expect(canonicalEventJson(event)).toBe(canonical);
    const expected = createHash('sha256').update(Buffer.alloc(32)).update(canonical).digest('hex');
    expect(chainHash(GENESIS_HASH, event)).toBe(expected);
  });

  it('writes an event exactly as canonicalizing the whole object would', () => {
    fc.assert(
      fc.property(
        fc.record({
          eventId: fc.uuid(),
          streamId: fc.string(),
          revision: fc.nat(),
          type: fc.string(),
          version: fc.integer({ min: 1, max: 99 }),
          occurredAt: fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
          data: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 })),
          metadata: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })),
        }),
        (chained) => {
          expect(canonicalEventJson(chained)).toBe(
            canonicalize({ ...chained, eventId: chained.eventId.toLowerCase() }),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('changes with any covered field and with the link before', () => {
    const base = chainHash(GENESIS_HASH, event);
    for (const changed of [
      { ...event, revision: 1 },
      { ...event, streamId: 'customer-c-2' },
      { ...event, data: { ...event.data, channel: 'web' } },
      { ...event, metadata: {} },
      { ...event, occurredAt: '2026-01-05T09:00:00.001Z' },
    ])
      expect(chainHash(GENESIS_HASH, changed)).not.toBe(base);
    expect(chainHash(base, event)).not.toBe(base);
    // The same instant spelt otherwise is the same event.
    expect(chainHash(GENESIS_HASH, { ...event, occurredAt: '2026-01-05T09:00:00.000Z' })).toBe(
      base,
    );
  });
});
