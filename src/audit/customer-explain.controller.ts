import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { explainCustomer } from '../../projections';
import { PolicyTimeline } from '../policy-history/policy-timeline';
import { POLICY_TIMELINE } from '../policy-history/policy-timeline.provider';
import { upcast } from '../domain/touchpoints';
import { EVENT_STORE, EventStore } from '../event-store/event-store.port';
import { RequiresRole } from '../security/api-key.guard';
import { ApiAnswer, ApiQueryFrom } from '../http/openapi';
import type { CustomerExplainAnswer } from '../http/responses';
import { asOfAnswer, knownAsOf, lastKnownAnswer } from './customer-replay';
import { AsOfParams, nothingKnown, readQuestion } from './customer-replay.controller';

/**
 * For auditors: why a customer had her stage, tier, churn risk and RM coverage at a moment, with
 * the policy rule and numbers, the facts and the events behind each, in data and in sentences.
 *
 * No `@AccessAudited` and no `X-Purpose`: the answer holds derived values, event ids, types and
 * positions, never a personal field (the projections read none), so it is not a read of personal
 * data; it shows no more than the 360 does, plus where each value came from.
 */
@ApiTags('audit')
@RequiresRole('audit')
@Controller('v1/customers/:customerId/explain')
export class CustomerExplainController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(POLICY_TIMELINE) private readonly policies: PolicyTimeline,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'Why the customer has her stage, tier, churn risk and RM coverage, as known at an instant or position',
  })
  @ApiQueryFrom(AsOfParams)
  @ApiAnswer(
    200,
    'CustomerExplainAnswer',
    'each value with its rule, policy numbers, facts and the events behind them, and in sentences',
  )
  async explain(
    @Param('customerId') customerId: string,
    @Query() query: Record<string, unknown>,
  ): Promise<CustomerExplainAnswer> {
    const { asOf, stream } = await readQuestion(this.store, customerId, query);
    const known = stream.filter((event) => knownAsOf(event, asOf));
    if (known.length === 0) throw nothingKnown(customerId, stream);
    const explanation = explainCustomer(
      customerId,
      known.map((event) => ({
        ...upcast(event),
        position: event.position.toString(),
        revision: event.revision,
      })),
      this.policies.at(known[known.length - 1].position),
      (event) => this.policies.at(BigInt(event.position)),
    );
    return {
      ...explanation,
      asOf: asOfAnswer(asOf),
      lastKnown: lastKnownAnswer(known.at(-1)),
    };
  }
}
