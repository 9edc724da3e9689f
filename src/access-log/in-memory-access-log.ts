import {
  AccessLog,
  AccessPage,
  AccessQuery,
  AccessRecord,
  NewAccessRecord,
} from './access-log.port';
import {
  assertLimit,
  compareRecords,
  decodeCursor,
  newAccessRecord,
  pageOf,
} from './access-log-paging';

/** For unit tests only. Answers copies, so a caller cannot change what is stored. */
export class InMemoryAccessLog implements AccessLog {
  private readonly records: AccessRecord[] = [];

  async record(entry: NewAccessRecord): Promise<AccessRecord> {
    const record = newAccessRecord(entry);
    this.records.push(record);
    return copyOf(record);
  }

  async list(query: AccessQuery): Promise<AccessPage> {
    assertLimit(query.limit);
    const after = query.after === undefined ? undefined : decodeCursor(query.after);
    const matching = this.records
      .filter(
        (record) =>
          (query.customerId === undefined || record.customerId === query.customerId) &&
          (query.from === undefined || record.at >= query.from) &&
          (query.to === undefined || record.at < query.to) &&
          (after === undefined || compareRecords(record, after) > 0),
      )
      .sort(compareRecords);
    return pageOf(matching.slice(0, query.limit + 1).map(copyOf), query.limit);
  }
}

const copyOf = (record: AccessRecord): AccessRecord => ({
  ...record,
  details: { ...record.details },
});
