import { Controller, Get } from '@nestjs/common';
import { KafkaIngest } from './kafka-ingest';

/** Operators: is the Kafka ingest consuming, or still trying to reach the broker, and why? */
@Controller('v1/admin/ingest')
export class IngestAdminController {
  constructor(private readonly kafka: KafkaIngest) {}

  @Get()
  status() {
    return { kafka: this.kafka.status() };
  }
}
