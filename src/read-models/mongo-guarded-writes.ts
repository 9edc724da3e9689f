import { Collection, MongoBulkWriteError, MongoServerError } from 'mongodb';
import { MongoDocument } from './mongo-queries';

const DUPLICATE_KEY = 11000;

export const isDuplicateKey = (error: unknown): boolean =>
  error instanceof MongoServerError && error.code === DUPLICATE_KEY;

/**
 * Runs an upsert keyed by `_id` again after a duplicate key: two first upserts of one id can
 * both find nothing and both insert (MongoDB retries this itself, FerretDB v1 reports it). The
 * document exists by then, so the second run updates it.
 */
export async function upsertById<T>(upsert: () => Promise<T>): Promise<T> {
  try {
    return await upsert();
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    return upsert();
  }
}

/**
 * Writes each document only where it is newer than the stored one (docs/architecture.md rule 6) and returns
 * how many it wrote. All are first inserted, which only new ids survive; the others meet a
 * duplicate key and are replaced under the filter `version < incoming`, one atomic
 * single-document update each on MongoDB.
 *
 * Not upserts: FerretDB v1 ends an `update` command at its first error, ordered or not, reports
 * it at index 0 and reports no counts, so a batch of upserts that meets one stale document would
 * lose the outcome of the others. An insert batch reports each duplicate key on both servers.
 * Inserting before looking also spares FerretDB v1 a scan: it runs any filter but `{_id: value}`
 * over the whole collection, and the outbox and transitions collections only ever grow.
 */
export async function writeNewer(
  storage: Collection<MongoDocument>,
  documents: readonly MongoDocument[],
): Promise<number> {
  if (documents.length === 0) return 0;
  try {
    const result = await storage.insertMany(documents, { ordered: false });
    return result.insertedCount;
  } catch (error) {
    const duplicates = onlyDuplicateKeys(error);
    if (!duplicates) throw error;
    const stored = duplicates.indexes.map((index) => documents[index]);
    return duplicates.insertedCount + (await replaceOlder(storage, stored));
  }
}

/** The batch positions that met a duplicate key, when nothing else failed. */
function onlyDuplicateKeys(
  error: unknown,
): { readonly insertedCount: number; readonly indexes: readonly number[] } | undefined {
  if (!(error instanceof MongoBulkWriteError) || error.err) return undefined;
  const failures = [error.writeErrors].flat();
  if (failures.length === 0 || failures.some((failure) => failure.code !== DUPLICATE_KEY)) {
    return undefined;
  }
  return { insertedCount: error.insertedCount, indexes: failures.map((failure) => failure.index) };
}

async function replaceOlder(
  storage: Collection<MongoDocument>,
  documents: readonly MongoDocument[],
): Promise<number> {
  if (documents.length === 0) return 0;
  const result = await storage.bulkWrite(
    documents.map(({ _id, ...replacement }) => ({
      replaceOne: { filter: { _id, version: { $lt: replacement.version } }, replacement },
    })),
    { ordered: false },
  );
  return result.matchedCount;
}
