import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { PolicyTimeline } from '../policy-history/policy-timeline';
import { POLICY_TIMELINE } from '../policy-history/policy-timeline.provider';
import { RequiresRole } from '../http/api-key.guard';
import { NotFoundError, RequestValidationError } from '../http/errors';
import { ApiAnswer, ApiQueryFrom } from '../http/openapi';
import type { AudienceAnswer, Customer360Answer } from '../http/responses';
import { parseQuery } from '../http/validation-errors';
import { customerIdParam } from '../ingest/touchpoint.dto';
import { type CustomerDocument, customerView } from '../projection-engine/customer-read-model';
import { ProjectionEngine } from '../projection-engine/projection-engine.service';
import { READ_MODEL_STORE, ReadModelStore, Where } from '../read-models/read-model-store.port';
import { CUSTOMER_SORTS, CustomerListParams, ReadYourWritesParams } from './query-params';
import { ReadYourWrites } from './read-your-writes';

const DEFAULT_PAGE = 50;

/** A stored body of the customers collection, written by the customer projection. */
const asCustomer = (body: Readonly<Record<string, unknown>>) => body as unknown as CustomerDocument;

/** The customer 360 and audience queries for marketing and operators. */
@ApiTags('customers')
@RequiresRole('read')
@Controller('v1/customers')
export class CustomersController {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    private readonly engine: ProjectionEngine,
    private readonly readYourWrites: ReadYourWrites,
    @Inject(POLICY_TIMELINE) private readonly policies: PolicyTimeline,
  ) {}

  @Get(':customerId')
  @ApiOperation({
    summary: 'The customer 360: stage, tier, churn risk, RM coverage, products, consent',
  })
  @ApiQueryFrom(ReadYourWritesParams)
  @ApiAnswer(200, 'Customer360Answer', 'the customer 360 at the revision it reflects')
  async customer(
    @Param('customerId') customerId: string,
    @Query() query: Record<string, unknown>,
  ): Promise<Customer360Answer> {
    customerIdParam(customerId);
    const { minPosition } = parseQuery(ReadYourWritesParams, query);
    await this.readYourWrites.await(minPosition);
    const document = await this.readModels.get(this.engine.collections().customers, customerId);
    if (!document) throw new NotFoundError(`customer ${customerId}`);
    const { customer } = asCustomer(document.body);
    return {
      ...customerView(customer, this.policies.current()),
      revision: Number(document.version),
    };
  }

  @Get()
  @ApiOperation({ summary: 'Audiences: customers filtered, sorted and paged by cursor' })
  @ApiQueryFrom(CustomerListParams)
  @ApiAnswer(200, 'AudienceAnswer', 'a page of the customers that match')
  async list(@Query() query: Record<string, unknown>): Promise<AudienceAnswer> {
    const params = parseQuery(CustomerListParams, query);
    if (
      params.minChurnRisk !== undefined &&
      params.maxChurnRisk !== undefined &&
      params.minChurnRisk > params.maxChurnRisk
    ) {
      throw new RequestValidationError([
        {
          field: 'minChurnRisk',
          rule: 'isRange',
          message: 'minChurnRisk must not exceed maxChurnRisk',
        },
      ]);
    }
    await this.readYourWrites.await(params.minPosition);
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
