import { START } from '@eventstore/db-client';
import { readFrom, toGlobalPosition, toLogPosition } from './eventstoredb-position';

describe('EventStoreDB positions', () => {
  it('given a self-committed event, then its global position is its log position', () => {
    expect(toGlobalPosition({ commit: 4_096n, prepare: 4_096n })).toBe(4_096n);
  });

  it('given events in $all order, then their global positions strictly increase', () => {
    // One append of three events: three log records, each committing itself.
    const delivered = [
      { commit: 1_200n, prepare: 1_200n },
      { commit: 1_391n, prepare: 1_391n },
      { commit: 1_577n, prepare: 1_577n },
      { commit: 9_007_199_254_740_993n, prepare: 9_007_199_254_740_993n },
    ].map(toGlobalPosition);
    for (let i = 1; i < delivered.length; i++) {
      expect(delivered[i]! > delivered[i - 1]!).toBe(true);
    }
  });

  it('given events of an explicit transaction sharing one commit position, then none is placed', () => {
    expect(toGlobalPosition({ commit: 5_000n, prepare: 4_700n })).toBeUndefined();
    expect(toGlobalPosition({ commit: 5_000n, prepare: 4_850n })).toBeUndefined();
  });

  it('given a stream read from a server that does not know the position, then none is placed', () => {
    const unknown = (1n << 64n) - 1n;
    expect(toGlobalPosition({ commit: unknown, prepare: unknown })).toBeUndefined();
    expect(toGlobalPosition(undefined)).toBeUndefined();
  });

  it('given a global position, then reading resumes at that very log record', () => {
    const position = toGlobalPosition({ commit: 77_123n, prepare: 77_123n })!;
    expect(toLogPosition(position)).toEqual({ commit: 77_123n, prepare: 77_123n });
    expect(readFrom(position)).toEqual({ commit: 77_123n, prepare: 77_123n });
    expect(readFrom(undefined)).toBe(START);
  });
});
