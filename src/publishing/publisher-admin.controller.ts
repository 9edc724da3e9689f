import { Controller, Get } from '@nestjs/common';
import { OutboxRelayService } from './outbox-relay.service';

/** Operators: is the relay keeping up, and is it stuck retrying? */
@Controller('v1/admin/publisher')
export class PublisherAdminController {
  constructor(private readonly relay: OutboxRelayService) {}

  @Get()
  status() {
    return this.relay.status();
  }
}
