import { API_KEYS_PATTERN, hashApiKey, parseApiKeys } from './api-keys';

const HASH = hashApiKey('secret');

describe('API_KEYS', () => {
  it('holds name:roles:sha256 entries, comma-separated, and keeps only hashes', () => {
    const holders = parseApiKeys(`gateway:ingest:${HASH},ops:admin+read:${'a'.repeat(64)}`);
    expect(holders.get(HASH)).toEqual({ name: 'gateway', roles: new Set(['ingest']) });
    expect(holders.get('a'.repeat(64))?.roles).toEqual(new Set(['admin', 'read']));
    expect(HASH).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['an unknown role', `gateway:boss:${HASH}`],
    ['a plain key instead of its hash', 'gateway:ingest:secret'],
    ['no name', `:ingest:${HASH}`],
    ['an empty entry', `gateway:ingest:${HASH},`],
    ['an upper-case hash', `gateway:ingest:${HASH.toUpperCase()}`],
  ])('refuses %s', (_, value) => {
    expect(API_KEYS_PATTERN.test(value)).toBe(false);
    expect(() => parseApiKeys(value)).toThrow('API_KEYS is malformed');
  });
});
