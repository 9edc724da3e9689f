import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError } from '../../http/errors/errors';
import type { AudienceAnswer, Customer360Answer } from '../../http/responses';
import { PolicyTimeline } from '../../policy-history/policy-timeline';
import { POLICY_TIMELINE } from '../../policy-history/policy-timeline.provider';
import { ProjectionEngine } from '../../projection-engine/projection-engine.service';
import { READ_MODEL_STORE, ReadModelStore, Where } from '../../read-models/read-model-store.port';
import { type CustomerDocument, customerView } from './customer-read-model';
import { CUSTOMER_SORTS, CustomerListParams } from './query-params';

const DEFAULT_PAGE = 50;

/** A stored body of the customers collection, written by the customer projection. */
const asCustomer = (body: Readonly<Record<string, unknown>>) => body as unknown as CustomerDocument;

/** The customer 360 and audience queries over the customer view (CustomersController serves them). */
@Injectable()
export class CustomerQueries {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    private readonly engine: ProjectionEngine,
    @Inject(POLICY_TIMELINE) private readonly policies: PolicyTimeline,
  ) {}

  /** @throws NotFoundError when the view holds no such customer. */
  async customer360(customerId: string): Promise<Customer360Answer> {
    const document = await this.readModels.get(this.engine.collections().customers, customerId);
    if (!document) throw new NotFoundError(`customer ${customerId}`);
    const { customer } = asCustomer(document.body);
    return {
      ...customerView(customer, this.policies.current()),
      revision: Number(document.version),
    };
  }

  /** Customers filtered, sorted and paged by cursor (`params` already validated). */
  async audience(params: CustomerListParams): Promise<AudienceAnswer> {
    const where: Record<string, Where[string]> = {};
    if (params.stage) where['search.stage'] = { eq: params.stage };
    if (params.tier) where['search.tier'] = { eq: params.tier };
    if (params.branch) where['search.branchId'] = { eq: params.branch };
    if (params.rm) where['search.rmId'] = { eq: params.rm };
    if (params.coverage) where['search.coverageStatus'] = { eq: params.coverage };
    if (params.marketingConsent !== undefined)
      where['search.marketingConsent'] = { eq: params.marketingConsent };
    if (params.minChurnRisk !== undefined || params.maxChurnRisk !== undefined) {
      where['search.churnScore'] = {
        ...(params.minChurnRisk !== undefined ? { gte: params.minChurnRisk } : {}),
        ...(params.maxChurnRisk !== undefined ? { lte: params.maxChurnRisk } : {}),
      };
    }
    const page = await this.readModels.find(this.engine.collections().customers, {
      where,
      sort: { field: CUSTOMER_SORTS[params.sort ?? 'id'], direction: params.order ?? 'asc' },
      limit: params.limit ?? DEFAULT_PAGE,
      ...(params.cursor ? { after: params.cursor } : {}),
    });
    return {
      customers: page.documents.map((document) => {
        const { customer, search } = asCustomer(document.body);
        const { contactablePurposes, privacy } = customerView(customer, this.policies.current());
        return {
          customerId: document.id,
          revision: Number(document.version),
          ...search,
          contactablePurposes,
          privacy,
        };
      }),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
  }
}
