import { randomBytes } from 'node:crypto';
import { parseMasterKeys } from '../config/master-keys';
import { LocalMasterKey } from './local-master-key';
import { MasterKeyUnavailableError } from './master-key.port';

const entry = (kid: string) => `${kid}:${randomBytes(32).toString('base64')}`;

describe('LocalMasterKey', () => {
  it('wraps with the first (current) key and unwraps with any configured one', async () => {
    const [old, current] = [entry('old'), entry('new')];
    const before = new LocalMasterKey(parseMasterKeys(old));
    const dataKey = randomBytes(32);
    const wrappedBefore = await before.wrap('c-1', dataKey);
    expect(wrappedBefore.kid).toBe('old');
    const after = new LocalMasterKey(parseMasterKeys(`${current},${old}`));
    expect(after.currentKid).toBe('new');
    expect(await after.unwrap('c-1', wrappedBefore)).toEqual(dataKey);
    expect((await after.wrap('c-1', dataKey)).kid).toBe('new');
  });

  it('does not unwrap a key wrapped for another customer, or under an unknown key id', async () => {
    const master = new LocalMasterKey(parseMasterKeys(entry('k')));
    const wrapped = await master.wrap('c-1', randomBytes(32));
    await expect(master.unwrap('c-2', wrapped)).rejects.toThrow(MasterKeyUnavailableError);
    await expect(master.unwrap('c-1', { ...wrapped, kid: 'gone' })).rejects.toThrow(
      /master key gone is not configured/,
    );
  });

  it.each([
    ['k:short', /32-byte keys/],
    [`k:${randomBytes(31).toString('base64')}`, /./],
    [`${entry('k')},${entry('k')}`, /key ids must differ/],
    ['', /kid:base64/],
  ])('refuses PII_MASTER_KEYS %s', (value, message) => {
    expect(() => parseMasterKeys(value)).toThrow(message);
  });
});
