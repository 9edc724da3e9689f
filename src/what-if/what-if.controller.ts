import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import type { Request } from 'express';
import { AccessAudited, addAccessDetails } from '../access-log/access-audit';
import { RequiresRole } from '../security/api-key.guard';
import { UnsupportedMediaTypeError } from '../http/errors/errors';
import { ApiAnswer, ApiErrorAnswer, ApiQueryFrom } from '../http/openapi';
import type { WhatIfAnswer } from '../http/responses';
import { parseQuery } from '../http/errors/validation-errors';
import { CUSTOMER_ID_PATTERN } from '../ingest/touchpoint.dto';
import { parseCandidatePolicy } from './candidate-policy';
import { WhatIfJob } from './what-if-job';
import { WhatIfService } from './what-if.service';
import { WHAT_IF_DIMENSIONS, WhatIfDimension } from './what-if-tally';

const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

/** The paged list of a finished what-if's affected customers. */
export class WhatIfPageParams {
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value,
  )
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  limit?: number;

  /** The previous page's `nextCursor` (a customer id). */
  @IsOptional()
  @Matches(CUSTOMER_ID_PATTERN, { message: 'after must be the nextCursor of the previous page' })
  after?: string;

  /** Only customers whose answer differs in this dimension. */
  @IsOptional()
  @IsIn(WHAT_IF_DIMENSIONS)
  changed?: string;
}

function answer(job: WhatIfJob, params: WhatIfPageParams = {}): WhatIfAnswer {
  const result = job.summary();
  const page = job.affectedPage({
    limit: params.limit ?? DEFAULT_PAGE,
    ...(params.after === undefined ? {} : { after: params.after }),
    ...(params.changed === undefined ? {} : { changed: params.changed as WhatIfDimension }),
  });
  return {
    job: job.status(),
    ...(result ? { result } : {}),
    ...(page ? { affectedCustomers: page } : {}),
  };
}

/**
 * For auditors: what a candidate policy would change. Every customer is replayed by the read
 * models' own projection under the candidate and under the policy in force, and the differences
 * counted; nothing is written to the read models or the event store.
 */
@ApiTags('audit')
@RequiresRole('audit')
@Controller('v1/audit/what-if')
export class WhatIfController {
  constructor(private readonly whatIf: WhatIfService) {}

  /** 202: the job runs in the background; follow it in GET /v1/audit/what-if/{id}. */
  @Post()
  // The access log has no action of its own for a what-if yet: it is a replay of every stream,
  // as a rebuild is, and its record names the route and the job.
  @AccessAudited('what-if', { purposeRequired: false })
  @ApiOperation({
    summary:
      'Start a what-if: every customer replayed under a candidate policy beside the policy in force',
  })
  @ApiBody({
    description:
      'The candidate policy, a document like policy/retail-bank.v1.json, checked as the policy file is',
    schema: { type: 'object' },
  })
  @HttpCode(202)
  @ApiAnswer(202, 'WhatIfAnswer', 'the job started; follow it in GET /v1/audit/what-if/{id}')
  @ApiErrorAnswer(409, 'a what-if is already running on this instance')
  async start(@Body() body: unknown, @Req() request: Request): Promise<WhatIfAnswer> {
    if (!request.is('application/json') && !request.is('application/*+json')) {
      throw new UnsupportedMediaTypeError('application/json');
    }
    const candidate = parseCandidatePolicy(body);
    const job = this.whatIf.start(candidate);
    await job.ready;
    addAccessDetails(request, { whatIfJob: job.id, candidatePolicy: candidate.policyVersion });
    return answer(job);
  }

  @Get(':id')
  @ApiOperation({
    summary:
      "A what-if's progress and, once finished, its counts and a page of the customers affected",
  })
  @ApiQueryFrom(WhatIfPageParams)
  @ApiAnswer(200, 'WhatIfAnswer', 'the job, and its result once finished')
  status(@Param('id') id: string, @Query() query: Record<string, unknown>): WhatIfAnswer {
    const params = parseQuery(WhatIfPageParams, query);
    return answer(this.whatIf.job(id), params);
  }
}
