import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequiresRole } from '../security/api-key.guard';
import { ApiAnswer } from '../http/openapi';
import type { IngestStatusAnswer } from '../http/responses';
import { KafkaIngest } from './kafka-ingest';

/** Operators: is the Kafka ingest consuming, or still trying to reach the broker, and why? */
@ApiTags('admin')
@RequiresRole('admin')
@Controller('v1/admin/ingest')
export class IngestAdminController {
  constructor(private readonly kafka: KafkaIngest) {}

  @Get()
  @ApiOperation({ summary: 'The Kafka ingest: disabled, connecting (and why) or consuming' })
  @ApiAnswer(200, 'IngestStatusAnswer', 'the Kafka ingest state on this instance')
  status(): IngestStatusAnswer {
    return { kafka: this.kafka.status() };
  }
}
