import fc from 'fast-check';
import { checkpointName, leaseName, partitionOf } from './partitions';

describe('partitions', () => {
  it('hashes with FNV-1a over UTF-8, so other languages can compute the same partition', () => {
    // Reference values of FNV-1a 32: "" -> 0x811c9dc5, "a" -> 0xe40c292c, "foobar" -> 0xbf9cf968.
    expect(partitionOf('a', 2 ** 31)).toBe(0xe40c292c % 2 ** 31);
    expect(partitionOf('foobar', 1000)).toBe(0xbf9cf968 % 1000);
    expect(partitionOf('', 7)).toBe(0x811c9dc5 % 7);
  });

  it('puts every key in one partition of range, and spreads customers evenly', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 64 }), (key, count) => {
        const partition = partitionOf(key, count);
        return Number.isInteger(partition) && partition >= 0 && partition < count;
      }),
    );
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[partitionOf(`c-${i}`, 8)]++;
    for (const count of counts) expect(Math.abs(count - 1000)).toBeLessThan(150);
  });

  it('names one partition as before partitions existed', () => {
    expect(checkpointName('customers_g1', { index: 0, count: 1 })).toBe('customers_g1');
    expect(leaseName('customers', { index: 0, count: 1 })).toBe('projection:customers');
    expect(checkpointName('customers_g2', { index: 3, count: 8 })).toBe('customers_g2#3/8');
    expect(leaseName('customers', { index: 3, count: 8 })).toBe('projection:customers#3/8');
  });
});
