import { CustomerWriteState, initialCustomerWriteState } from '../domain/decider';

/** What the decider needs of a customer's stream, as of one revision. */
export interface WriteView {
  /** Revision of the last event folded in; -1 for a stream without events. */
  readonly revision: number;
  readonly state: CustomerWriteState;
  /** Every event id in the stream, with its revision: duplicates are answered from it. */
  readonly known: ReadonlyMap<string, number>;
}

export const EMPTY_VIEW: WriteView = {
  revision: -1,
  state: initialCustomerWriteState,
  known: new Map(),
};

/**
 * The most recently used customers' write views, at most `capacity` of them. A view is a fold of
 * a stream prefix, and stored events never change, so a cached view is never wrong, only
 * possibly behind: its user reads the events after `revision` and folds them in. Nothing here
 * decides what is current; the append's expected revision does.
 */
export class WriteViewCache {
  private readonly views = new Map<string, WriteView>();

  constructor(private readonly capacity: number) {}

  get(streamId: string): WriteView | undefined {
    const view = this.views.get(streamId);
    if (view === undefined) return undefined;
    // Map keeps insertion order: re-inserting marks it most recently used.
    this.views.delete(streamId);
    this.views.set(streamId, view);
    return view;
  }

  set(streamId: string, view: WriteView): void {
    if (this.capacity === 0) return;
    this.views.delete(streamId);
    this.views.set(streamId, view);
    if (this.views.size > this.capacity) {
      this.views.delete(this.views.keys().next().value as string);
    }
  }

  get size(): number {
    return this.views.size;
  }
}
