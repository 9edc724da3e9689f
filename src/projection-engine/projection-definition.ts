import { RecordedEvent } from '../event-store/event-store.port';
import { DocumentWrite, IndexedField, StoredDocument } from '../read-models/read-model-store.port';

/** A collection a view owns, by logical name; each generation has its own physical copy. */
export interface ViewCollection {
  /** `^[a-z][a-z0-9_]{0,30}$`: the physical name adds `_g<generation>`. */
  readonly logical: string;
  readonly indexedFields: readonly IndexedField[];
}

/** One partition's share of a batch read from the event store, handed to `apply`. */
export interface ProjectionBatch {
  /** The partition's events of the batch, in global order (never empty). */
  readonly events: readonly RecordedEvent[];
  /** The stored documents of `ids` in one of the view's collections (logical name). */
  load(collection: string, ids: readonly string[]): Promise<ReadonlyMap<string, StoredDocument>>;
}

/** Documents to write into one of the view's collections (logical name). */
export interface CollectionWrites {
  readonly collection: string;
  readonly writes: readonly DocumentWrite[];
}

/**
 * A read model the projection engine keeps: which collections it owns, how its events are keyed
 * for partitioning, and the pure projection it applies. The engine gives every registered
 * definition its own generations, partitions, leases, checkpoints and rebuilds
 * (`src/views/views.ts` registers them; docs/architecture.md "Adding a view").
 *
 * Correctness rules a definition keeps (docs/architecture.md rule 6, docs/architecture.md):
 * - `apply` is a pure function of the stored documents and the events, so a replay after a crash
 *   writes the same documents, and a rebuild equals the live view;
 * - every document it writes is keyed so that only one partition ever writes it (documents of
 *   one customer, or documents whose id the partition key determines), and carries a version
 *   that grows with every change: the stream revision for a document built from one stream, the
 *   global position of the last event applied for one built from many;
 * - it skips events a stored document already reflects (version at or beyond them).
 */
export interface ProjectionDefinition {
  /** Route and metric label (`/v1/admin/projections/:name`); the logical name of `checkpointed`. */
  readonly name: string;
  /**
   * Written in the order `apply` returns them, except the collection named like the view, which
   * is written last, with the partition's checkpoint (readers look no further than it).
   */
  readonly collections: readonly ViewCollection[];
  /**
   * True: events are shared between partitions by a stable hash of their key. False for a view
   * whose documents gather events of any key (it runs as one partition whatever is configured).
   */
  readonly partitioned: boolean;
  /** The partition key of an event (e.g. the customer id), or undefined: not this view's. */
  keyOf(event: RecordedEvent): string | undefined;
  /** Sees every event read, before the partition's share is applied (e.g. policy activations). */
  observe?(events: readonly RecordedEvent[]): void;
  /** The writes the partition's events make, collection by collection. */
  apply(batch: ProjectionBatch): Promise<readonly CollectionWrites[]>;
}

/** Physical name of a view collection in one generation. */
export const physicalName = (logical: string, generation: number): string =>
  `${logical}_g${generation}`;

const GENERATION = /_g(\d+)$/;

/** The generation a physical collection belongs to (1 for a name without a suffix). */
export const generationOf = (physical: string | undefined): number | undefined =>
  physical === undefined ? undefined : Number(GENERATION.exec(physical)?.[1] ?? 1);
