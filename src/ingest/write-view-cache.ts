import { CustomerWriteState, initialCustomerWriteState } from '../domain/decider';

/** What the decider needs of a customer's stream, as of one revision. */
export interface WriteView {
  /** Revision of the last event folded in; -1 for a stream without events. */
  readonly revision: number;
  readonly state: CustomerWriteState;
  /** Every event id in the stream, with its revision: the store judges a repeated id. */
  readonly known: ReadonlyMap<string, number>;
}

export const EMPTY_VIEW: WriteView = {
  revision: -1,
  state: initialCustomerWriteState,
  known: new Map(),
};

/**
 * Recently used customers' write views, holding at most `capacity` event ids in all (the ids
 * are what a view's memory grows with: about 100 bytes each). A view is a fold of a stream
 * prefix, and stored events never change, so a cached view is never wrong, only possibly
 * behind: its user reads the events after `revision` and folds them in. Nothing here decides
 * what is current; the append's expected revision does.
 */
export class WriteViewCache {
  private readonly views = new Map<string, WriteView>();
  private held = 0;

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
    this.remove(streamId);
    if (view.known.size > this.capacity) return;
    this.views.set(streamId, view);
    this.held += view.known.size;
    for (const oldest of this.views.keys()) {
      if (this.held <= this.capacity) break;
      this.remove(oldest);
    }
  }

  /** Event ids held, over all views. */
  get size(): number {
    return this.held;
  }

  private remove(streamId: string): void {
    const view = this.views.get(streamId);
    if (view === undefined) return;
    this.views.delete(streamId);
    this.held -= view.known.size;
  }
}
