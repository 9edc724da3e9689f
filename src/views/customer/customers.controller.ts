import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequestValidationError } from '../../http/errors/errors';
import { parseQuery } from '../../http/errors/validation-errors';
import { ApiAnswer, ApiQueryFrom } from '../../http/openapi';
import type { AudienceAnswer, Customer360Answer } from '../../http/responses';
import { customerIdParam } from '../../ingest/touchpoint.dto';
import { RequiresRole } from '../../security/api-key.guard';
import { CustomerQueries } from './customer.queries';
import { CustomerListParams, ReadYourWritesParams } from './query-params';
import { ReadYourWrites } from './read-your-writes';

/** The customer 360 and audience queries for marketing and operators. */
@ApiTags('customers')
@RequiresRole('read')
@Controller('v1/customers')
export class CustomersController {
  constructor(
    private readonly customers: CustomerQueries,
    private readonly readYourWrites: ReadYourWrites,
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
    return this.customers.customer360(customerId);
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
    return this.customers.audience(params);
  }
}
