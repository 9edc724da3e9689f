import { Module } from '@nestjs/common';
import { PolicyModule } from '../policy-history/policy.module';
import { EventStoreModule } from '../event-store/event-store.module';
import { ProjectionEngineModule } from '../projection-engine/projection-engine.module';
import { ReadModelsModule } from '../read-models/read-models.module';
import { WhatIfController } from './what-if.controller';
import { WhatIfService } from './what-if.service';

/** For auditors: every customer replayed under a candidate policy beside the one in force. */
@Module({
  imports: [EventStoreModule, ReadModelsModule, ProjectionEngineModule, PolicyModule],
  controllers: [WhatIfController],
  providers: [WhatIfService],
})
export class WhatIfModule {}
