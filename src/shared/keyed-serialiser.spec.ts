import { KeyedSerialiser } from './keyed-serialiser';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('KeyedSerialiser', () => {
  it('given work for one key, then it runs one at a time in arrival order', async () => {
    const serialiser = new KeyedSerialiser();
    const log: string[] = [];
    const job = (name: string) => async () => {
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([
      serialiser.run('a', job('1')),
      serialiser.run('a', job('2')),
    ]);
    expect(results).toEqual(['1', '2']);
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('given work for different keys, then it overlaps', async () => {
    const serialiser = new KeyedSerialiser();
    const log: string[] = [];
    const job = (name: string) => async () => {
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
    };
    await Promise.all([serialiser.run('a', job('a')), serialiser.run('b', job('b'))]);
    expect(log.slice(0, 2)).toEqual(['start a', 'start b']);
  });

  it('given a failing job, then the next one still runs and the key is forgotten after', async () => {
    const serialiser = new KeyedSerialiser();
    const failing = serialiser.run('a', async () => {
      throw new Error('boom');
    });
    const next = serialiser.run('a', async () => 'ran');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
    await tick();
    expect(serialiser.size).toBe(0);
  });
});
