import { initialCustomerWriteState } from '../domain/decider';
import { WriteView, WriteViewCache } from './write-view-cache';

const view = (revision: number): WriteView => ({
  revision,
  state: initialCustomerWriteState,
  known: new Map(),
});

describe('WriteViewCache', () => {
  it('keeps the most recently used views, evicting the least recently used beyond capacity', () => {
    const cache = new WriteViewCache(2);
    cache.set('a', view(1));
    cache.set('b', view(2));
    expect(cache.get('a')?.revision).toBe(1); // a is now the most recently used
    cache.set('c', view(3));

    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.revision).toBe(1);
    expect(cache.get('c')?.revision).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('replaces a view in place, and keeps nothing with capacity 0', () => {
    const cache = new WriteViewCache(2);
    cache.set('a', view(1));
    cache.set('a', view(4));
    expect(cache.get('a')?.revision).toBe(4);
    expect(cache.size).toBe(1);

    const off = new WriteViewCache(0);
    off.set('a', view(1));
    expect(off.get('a')).toBeUndefined();
  });
});
