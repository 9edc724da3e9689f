import { randomBytes, randomUUID } from 'node:crypto';
import { contentKeyOf } from '../event-store/event-content';
import {
  envelopeOf,
  EnvelopeIntegrityError,
  open,
  SEALED_PERSONAL_DATA,
  seal,
  withMarkers,
} from './personal-data-envelope';

const context = () => ({
  customerId: `c-${randomUUID()}`,
  eventId: randomUUID(),
  type: 'ProspectCaptured',
  version: 1,
});
const data = {
  source: 'branch-walk-in',
  channel: 'branch',
  fullName: 'Li Wei',
  phone: '+862155550101',
};
const PERSONAL = ['email', 'fullName', 'phone'];

describe('personal-data envelope', () => {
  it('moves the personal fields into one sealed part and leaves the behavioural ones plain', () => {
    const key = randomBytes(32);
    const sealed = seal(data, PERSONAL, key, context());
    expect(sealed).toMatchObject({ source: 'branch-walk-in', channel: 'branch' });
    expect(sealed).not.toHaveProperty('fullName');
    expect(JSON.stringify(sealed)).not.toMatch(/Li Wei|5555/);
    expect(envelopeOf(sealed)).toMatchObject({
      v: 1,
      alg: 'A256GCM',
      fields: ['fullName', 'phone'],
    });
  });

  it('opens to the data as sent, with the same key and context', () => {
    const key = randomBytes(32);
    const where = context();
    expect(open(seal(data, PERSONAL, key, where), key, where)).toEqual(data);
  });

  it('leaves data without personal fields unchanged', () => {
    const plain = { source: 'website', channel: 'web' };
    expect(seal(plain, PERSONAL, randomBytes(32), context())).toEqual(plain);
  });

  it('uses a fresh IV per seal, yet the same digest for the same content under one key', () => {
    const key = randomBytes(32);
    const where = context();
    const [a, b] = [seal(data, PERSONAL, key, where), seal(data, PERSONAL, key, where)];
    expect(envelopeOf(a)!.iv).not.toBe(envelopeOf(b)!.iv);
    expect(envelopeOf(a)!.ct).not.toBe(envelopeOf(b)!.ct);
    expect(envelopeOf(a)!.mac).toBe(envelopeOf(b)!.mac);
    // So the store's content check calls a resend a duplicate...
    const event = { type: 'ProspectCaptured', version: 1, occurredAt: '2026-01-05T09:00:00Z' };
    expect(contentKeyOf({ ...event, data: a })).toBe(contentKeyOf({ ...event, data: b }));
    // ...and other personal content a reuse.
    const other = seal({ ...data, phone: '+862155550102' }, PERSONAL, key, where);
    expect(contentKeyOf({ ...event, data: other })).not.toBe(contentKeyOf({ ...event, data: a }));
  });

  it.each([
    ['another customer', { customerId: 'c-someone-else' }],
    ['another event', { eventId: randomUUID() }],
    ['another type', { type: 'ProfileUpdated' }],
    ['another version', { version: 2 }],
  ])('refuses a ciphertext moved to %s', (_, change) => {
    const key = randomBytes(32);
    const where = context();
    const sealed = seal(data, PERSONAL, key, where);
    expect(() => open(sealed, key, { ...where, ...change })).toThrow(EnvelopeIntegrityError);
  });

  it('refuses an altered ciphertext, a wrong key and an edited field list', () => {
    const key = randomBytes(32);
    const where = context();
    const sealed = seal(data, PERSONAL, key, where);
    const envelope = envelopeOf(sealed)!;
    const flipped = Buffer.from(envelope.ct, 'base64url');
    flipped[0] ^= 1;
    const altered = {
      ...sealed,
      [SEALED_PERSONAL_DATA]: { ...envelope, ct: flipped.toString('base64url') },
    };
    expect(() => open(altered, key, where)).toThrow(EnvelopeIntegrityError);
    expect(() => open(sealed, randomBytes(32), where)).toThrow(EnvelopeIntegrityError);
    const renamed = { ...sealed, [SEALED_PERSONAL_DATA]: { ...envelope, fields: ['fullName'] } };
    expect(() => open(renamed, key, where)).toThrow(EnvelopeIntegrityError);
  });

  it('marks each sealed field in place, naming the fields but not their values', () => {
    const sealed = seal(data, PERSONAL, randomBytes(32), context());
    expect(withMarkers(sealed, { erased: true, erasedBy: 'e-1' })).toEqual({
      source: 'branch-walk-in',
      channel: 'branch',
      fullName: { erased: true, erasedBy: 'e-1' },
      phone: { erased: true, erasedBy: 'e-1' },
    });
  });
});
