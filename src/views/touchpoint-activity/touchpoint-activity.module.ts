import { Module } from '@nestjs/common';
import { ProjectionEngineModule } from '../../projection-engine/projection-engine.module';
import { ReadModelsModule } from '../../read-models/read-models.module';
import { TouchpointActivityController } from './touchpoint-activity.controller';

@Module({
  imports: [ProjectionEngineModule, ReadModelsModule],
  controllers: [TouchpointActivityController],
})
export class TouchpointActivityModule {}
