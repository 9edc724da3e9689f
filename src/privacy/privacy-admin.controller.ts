import { Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AccessAudited } from '../access-log/access-audit';
import { callerOf, RequiresRole } from '../security/api-key.guard';
import { NotFoundError } from '../http/errors/errors';
import { ApiAnswer, ApiErrorAnswer } from '../http/openapi';
import type { PrivacyJobAnswer, PrivacyStatusAnswer } from '../http/responses';
import { PRIVACY_JOBS, PrivacyJobKind, PrivacyJobs } from './privacy-jobs';

/** Operators: the data keys, and the jobs that rotate them or encrypt old plain-text events. */
@ApiTags('admin')
@RequiresRole('admin')
@Controller('v1/admin/privacy')
export class PrivacyAdminController {
  constructor(private readonly jobs: PrivacyJobs) {}

  @Get()
  @ApiOperation({ summary: 'Data keys (active, shredded), the current master key, the last job' })
  @ApiAnswer(200, 'PrivacyStatusAnswer', 'key counts and the job running or last run')
  status(): Promise<PrivacyStatusAnswer> {
    return this.jobs.status();
  }

  /** 202: the job runs in the background; follow it in GET /v1/admin/privacy. */
  @Post(':job')
  @AccessAudited(
    (request) => (request.params.job === 'rotate-master' ? 'rotate-master' : 'encrypt-existing'),
    {
      purposeRequired: false,
    },
  )
  @ApiOperation({
    summary:
      'Start rotate-master (rewrap every data key under the current master key) or encrypt-existing (seal personal fields of events stored in plain text)',
  })
  @ApiParam({ name: 'job', enum: PRIVACY_JOBS })
  @HttpCode(202)
  @ApiAnswer(202, 'PrivacyJobAnswer', 'the job started')
  @ApiErrorAnswer(409, 'a job is already running, or encrypt-existing on EventStoreDB')
  start(@Param('job') job: string, @Req() request: Request): PrivacyJobAnswer {
    if (!(PRIVACY_JOBS as readonly string[]).includes(job))
      throw new NotFoundError(`privacy job ${job} (${PRIVACY_JOBS.join(' or ')})`);
    return { job: this.jobs.start(job as PrivacyJobKind, callerOf(request).keyName) };
  }
}
