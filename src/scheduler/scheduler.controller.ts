import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequiresRole } from '../http/api-key.guard';
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
  run() {
    return this.scheduler.runOnce();
  }
}
