import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequiresRole } from '../security/api-key.guard';
import { ApiAnswer } from '../http/openapi';
import type { SchedulerRunAnswer } from '../http/responses';
import { ThresholdScheduler } from './threshold-scheduler';

/** Operators: run the threshold scheduler now instead of waiting for its interval. */
@ApiTags('admin')
@RequiresRole('admin')
@Controller('v1/admin/scheduler')
export class SchedulerController {
  constructor(private readonly scheduler: ThresholdScheduler) {}

  @Post('run')
  @ApiOperation({ summary: 'Run the threshold scheduler now' })
  @HttpCode(200)
  @ApiAnswer(200, 'SchedulerRunAnswer', 'what the run found and appended')
  run(): Promise<SchedulerRunAnswer> {
    return this.scheduler.runOnce();
  }
}
