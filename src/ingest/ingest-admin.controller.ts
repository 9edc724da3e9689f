import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequiresRole } from '../http/api-key.guard';
import { KafkaIngest } from './kafka-ingest';

/** Operators: is the Kafka ingest consuming, or still trying to reach the broker, and why? */
@ApiTags('admin')
@RequiresRole('admin')
@Controller('v1/admin/ingest')
export class IngestAdminController {
  constructor(private readonly kafka: KafkaIngest) {}

  @Get()
  @ApiOperation({ summary: 'The Kafka ingest: disabled, connecting (and why) or consuming' })
  status() {
    return { kafka: this.kafka.status() };
  }
}
