import { Collection, Db, Filter } from 'mongodb';
import {
  AccessAction,
  AccessLog,
  AccessOutcome,
  AccessPage,
  AccessQuery,
  AccessRecord,
  NewAccessRecord,
} from './access-log.port';
import { assertLimit, decodeCursor, newAccessRecord, pageOf } from './access-log-paging';

interface AccessDocument {
  /** The record's id. */
  _id: string;
  at: string;
  keyName: string;
  role: string;
  route: string;
  action: AccessAction;
  customerId: string | null;
  purpose: string | null;
  outcome: AccessOutcome;
  status: number;
  details: Record<string, string | number | boolean>;
}

const recordOf = ({ _id, ...fields }: AccessDocument): AccessRecord => ({ id: _id, ...fields });

/**
 * The access log as one document per record in the read models' MongoDB database. Strings
 * compare by bytes in MongoDB, so the canonical ISO `at` sorts in time order.
 *
 * Append-only by this adapter alone: it offers no update or delete, but MongoDB (unlike the
 * PostgreSQL adapter's trigger) has no way to refuse them to a client that holds the
 * `readWrite` role. Refusing them in the database takes access control on the server: a custom
 * role granting only `find` and `insert` on `audit_access_log` to the service's user.
 */
export class MongoAccessLog implements AccessLog {
  private constructor(private readonly records: Collection<AccessDocument>) {}

  static async create(db: Db): Promise<MongoAccessLog> {
    const records = db.collection<AccessDocument>('audit_access_log');
    // Both orders the log is read in: all of it, and one customer's, by (at, id). One index a
    // call: FerretDB v1 drops the connection when one call names several that exist already
    // (every start after the first); MongoDB answers either form with a no-op.
    await records.createIndex({ at: 1, _id: 1 });
    await records.createIndex({ customerId: 1, at: 1, _id: 1 });
    return new MongoAccessLog(records);
  }

  async record(entry: NewAccessRecord): Promise<AccessRecord> {
    const record = newAccessRecord(entry);
    const { id, ...fields } = record;
    await this.records.insertOne({ _id: id, ...fields });
    return record;
  }

  async list(query: AccessQuery): Promise<AccessPage> {
    assertLimit(query.limit);
    const clauses: Filter<AccessDocument>[] = [];
    if (query.customerId !== undefined) clauses.push({ customerId: query.customerId });
    if (query.from !== undefined) clauses.push({ at: { $gte: query.from } });
    if (query.to !== undefined) clauses.push({ at: { $lt: query.to } });
    if (query.after !== undefined) {
      const after = decodeCursor(query.after);
      clauses.push({ $or: [{ at: { $gt: after.at } }, { at: after.at, _id: { $gt: after.id } }] });
    }
    const documents = await this.records
      .find(clauses.length > 0 ? { $and: clauses } : {})
      .sort({ at: 1, _id: 1 })
      .limit(query.limit + 1)
      .toArray();
    return pageOf(documents.map(recordOf), query.limit);
  }
}
