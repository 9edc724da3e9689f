import {
  assertCollectionName,
  indexedValue,
  resolveField,
  sameIndexedFields,
  validatedSpec,
} from './collection-spec';
import { assertCheckpoint, planWrites } from './document-writes';
import { pageOf, planFind, planWhere, Predicate } from './find-plan';
import {
  Checkpoint,
  CollectionInUseError,
  CollectionSpec,
  CollectionSpecConflictError,
  DocumentVersion,
  DocumentWrite,
  FindQuery,
  IndexedField,
  Page,
  ReadModelStore,
  Scalar,
  StoredDocument,
  UnknownCollectionError,
  Where,
  WriteResult,
} from './read-model-store.port';

interface Collection {
  readonly fields: readonly IndexedField[];
  /** Bodies kept as JSON text: returned byte for byte, and never shared with a caller. */
  readonly documents: Map<string, { readonly version: DocumentVersion; readonly json: string }>;
}

/** For unit tests only: the same contract as the real adapters, kept in process memory. */
export class InMemoryReadModelStore implements ReadModelStore {
  private readonly collections = new Map<string, Collection>();
  private readonly checkpoints = new Map<string, bigint>();
  private readonly active = new Map<string, string>();

  async ensureCollection(spec: CollectionSpec): Promise<void> {
    const fields = validatedSpec(spec);
    const existing = this.collections.get(spec.name);
    if (!existing) {
      this.collections.set(spec.name, { fields, documents: new Map() });
    } else if (!sameIndexedFields(existing.fields, fields)) {
      throw new CollectionSpecConflictError(spec.name, existing.fields, fields);
    }
  }

  async write(
    collection: string,
    writes: readonly DocumentWrite[],
    checkpoint?: Checkpoint,
  ): Promise<WriteResult> {
    const { fields, documents } = this.collection(collection);
    const plan = planWrites(collection, fields, writes);
    if (checkpoint) assertCheckpoint(checkpoint);
    let written = 0;
    for (const document of plan.documents) {
      const stored = documents.get(document.id);
      if (stored && stored.version >= document.version) continue;
      documents.set(document.id, { version: document.version, json: document.json });
      written++;
    }
    if (checkpoint && (this.checkpoints.get(checkpoint.name) ?? -1n) < checkpoint.position) {
      this.checkpoints.set(checkpoint.name, checkpoint.position);
    }
    return { written, ignored: writes.length - written };
  }

  async get(collection: string, id: string): Promise<StoredDocument | undefined> {
    const stored = this.collection(collection).documents.get(id);
    return stored && { id, version: stored.version, body: JSON.parse(stored.json) };
  }

  async find(collection: string, query: FindQuery): Promise<Page> {
    const { fields } = this.collection(collection);
    const plan = planFind(collection, fields, query);
    const sign = plan.direction === 'asc' ? 1 : -1;
    const after: SortKey | undefined = plan.after && [plan.after.value, plan.after.id];
    const matching = this.matching(collection, plan.predicates)
      .map((document) => ({ document, key: sortKeyOf(document, plan.sortField) }))
      .filter(({ key }) => !after || sign * compareSortKeys(key, after) > 0)
      .sort((a, b) => sign * compareSortKeys(a.key, b.key))
      .map(({ document }) => document);
    return pageOf(plan, matching);
  }

  async countBy(
    collection: string,
    field: string,
    where?: Where,
  ): Promise<Readonly<Record<string, number>>> {
    const { fields } = this.collection(collection);
    const groupField = resolveField(collection, fields, field, false);
    const counts: Record<string, number> = {};
    for (const document of this.matching(collection, planWhere(collection, fields, where))) {
      const key = String(indexedValue(document, groupField));
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }

  async readCheckpoint(name: string): Promise<bigint | undefined> {
    return this.checkpoints.get(name);
  }

  async dropCollection(name: string): Promise<void> {
    assertCollectionName(name);
    for (const [logical, physical] of this.active) {
      if (physical === name) throw new CollectionInUseError(name, logical);
    }
    this.collections.delete(name);
    for (const checkpoint of [...this.checkpoints.keys()])
      if (checkpoint === name || checkpoint.startsWith(`${name}#`))
        this.checkpoints.delete(checkpoint);
  }

  async activeCollection(logical: string): Promise<string | undefined> {
    assertCollectionName(logical);
    return this.active.get(logical);
  }

  async setActiveCollection(logical: string, physical: string): Promise<void> {
    assertCollectionName(logical);
    this.collection(physical);
    this.active.set(logical, physical);
  }

  private collection(name: string): Collection {
    assertCollectionName(name);
    const collection = this.collections.get(name);
    if (!collection) throw new UnknownCollectionError(name);
    return collection;
  }

  private matching(collection: string, predicates: readonly Predicate[]): StoredDocument[] {
    return [...this.collection(collection).documents]
      .map(([id, { version, json }]) => ({ id, version, body: JSON.parse(json) }))
      .filter((document) => predicates.every((predicate) => holds(predicate, document)));
  }
}

function holds(predicate: Predicate, document: StoredDocument): boolean {
  const value = indexedValue(document, predicate.field);
  switch (predicate.kind) {
    case 'null':
      return value === null;
    case 'in':
      return value === null ? predicate.orNull : predicate.values.includes(value);
    case 'compare': {
      if (value === null) return false;
      const order = compareScalars(value, predicate.value);
      return predicate.operator === '>'
        ? order > 0
        : predicate.operator === '>='
          ? order >= 0
          : predicate.operator === '<'
            ? order < 0
            : order <= 0;
    }
  }
}

/** (sort value, id): ascending order of these, null first, is what the real stores' indexes give. */
type SortKey = readonly [Scalar, string];

const sortKeyOf = (document: StoredDocument, field: IndexedField): SortKey => [
  indexedValue(document, field),
  document.id,
];

function compareSortKeys(a: SortKey, b: SortKey): number {
  return compareScalars(a[0], b[0]) || compareScalars(a[1], b[1]);
}

function compareScalars(a: Scalar, b: Scalar): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'string' && typeof b === 'string') {
    // Code point order (UTF-8 byte order), as MongoDB and PostgreSQL's "C" collation compare;
    // JS's own < compares UTF-16 units and would misplace characters above U+FFFF.
    return Buffer.compare(Buffer.from(a), Buffer.from(b));
  }
  // Same type here: queries and writes are checked against the field's declared type.
  return (a as number) < (b as number) ? -1 : 1;
}
