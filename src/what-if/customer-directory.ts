import { ReadModelStore } from '../read-models/read-model-store.port';

/** How a what-if finds every customer, a page at a time, without holding them all. */
export interface CustomerDirectory {
  /** True once every customer with an event at or before `position` is listed (false: gave up). */
  listsUpTo(position: bigint): Promise<boolean>;
  /** How many customers are listed now (progress only). */
  count(): Promise<number>;
  /** Customer ids in ascending order, the first `limit` after `after` (from the start without). */
  idsAfter(after: string | undefined, limit: number): Promise<string[]>;
}

/**
 * The customers collection of the read models as the directory: one document per customer, keyed
 * by customer id. Each page names the active collection afresh and starts after the last id seen
 * (not a cursor of one collection), so a rebuild switching generations mid-way does no harm.
 */
export class ReadModelCustomerDirectory implements CustomerDirectory {
  constructor(
    private readonly readModels: ReadModelStore,
    private readonly collection: () => string,
    private readonly reached: (position: bigint) => Promise<boolean>,
  ) {}

  listsUpTo(position: bigint): Promise<boolean> {
    return this.reached(position);
  }

  async count(): Promise<number> {
    const counts = await this.readModels.countBy(this.collection(), 'search.stage');
    return Object.values(counts).reduce((sum, count) => sum + count, 0);
  }

  async idsAfter(after: string | undefined, limit: number): Promise<string[]> {
    const page = await this.readModels.find(this.collection(), {
      ...(after === undefined ? {} : { where: { id: { gt: after } } }),
      sort: { field: 'id', direction: 'asc' },
      limit,
    });
    return page.documents.map((document) => document.id);
  }
}
