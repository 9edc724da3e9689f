import { Controller, HttpCode, Post } from '@nestjs/common';
import { ThresholdScheduler } from './threshold-scheduler';

/** Operators: run the threshold scheduler now instead of waiting for its interval. */
@Controller('v1/admin/scheduler')
export class SchedulerController {
  constructor(private readonly scheduler: ThresholdScheduler) {}

  @Post('run')
  @HttpCode(200)
  run() {
    return this.scheduler.runOnce();
  }
}
