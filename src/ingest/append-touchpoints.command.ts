import { Command } from '@nestjs/cqrs';
import { ValidTouchpoint } from './touchpoint-validator';

export type TouchpointOutcome =
  | {
      readonly eventId: string;
      readonly status: 'appended';
      readonly revision: number;
      readonly position: bigint;
      /** An erasure request carried out at once: the PersonalDataErased appended with it. */
      readonly erasedBy?: string;
    }
  | { readonly eventId: string; readonly status: 'duplicate'; readonly revision: number }
  | {
      readonly eventId: string;
      readonly status: 'rejected';
      readonly rule: string;
      readonly message: string;
      readonly field?: string;
    }
  | { readonly eventId: string; readonly status: 'conflict'; readonly message: string };

/** Append validated touchpoints of one customer, in the order given. */
export class AppendTouchpointsCommand extends Command<readonly TouchpointOutcome[]> {
  constructor(
    readonly customerId: string,
    readonly touchpoints: readonly ValidTouchpoint[],
  ) {
    super();
  }
}
