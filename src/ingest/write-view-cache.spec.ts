import { initialCustomerWriteState } from '../domain/decider';
import { WriteView, WriteViewCache } from './write-view-cache';

/** A view at `revision` holding `revision + 1` event ids. */
const view = (revision: number): WriteView => ({
  revision,
  state: initialCustomerWriteState,
  known: new Map(Array.from({ length: revision + 1 }, (_, i) => [`e${i}`, i])),
});

describe('WriteViewCache', () => {
  it('keeps the most recently used views within its event-id budget, evicting the least recently used', () => {
    const cache = new WriteViewCache(6);
    cache.set('a', view(1)); // 2 ids
    cache.set('b', view(2)); // 3 ids
    expect(cache.get('a')?.revision).toBe(1); // a is now the most recently used
    cache.set('c', view(1)); // 2 more: 7 > 6, so b goes

    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.revision).toBe(1);
    expect(cache.get('c')?.revision).toBe(1);
    expect(cache.size).toBe(4);
  });

  it('replaces a view in place, and never holds a view larger than the whole budget', () => {
    const cache = new WriteViewCache(6);
    cache.set('a', view(1));
    cache.set('a', view(4));
    expect(cache.get('a')?.revision).toBe(4);
    expect(cache.size).toBe(5);

    cache.set('a', view(9));
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);

    const off = new WriteViewCache(0);
    off.set('a', view(0));
    expect(off.get('a')).toBeUndefined();
  });
});
