import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { DomainEvent, latestVersion, schemaFor } from '../domain/touchpoints';
import { FieldError } from '../http/errors/errors';
import { TouchpointDto } from './touchpoint.dto';
import { toFieldErrors } from '../http/errors/validation-errors';
import { unstorableValues } from '../http/json-hygiene';

/** A touchpoint that passed every schema rule, normalised (UTC time, explicit version). */
export interface ValidTouchpoint extends DomainEvent {
  readonly customerId: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export type ValidationOutcome =
  | { readonly valid: true; readonly touchpoint: ValidTouchpoint }
  | { readonly valid: false; readonly errors: readonly FieldError[] };

const VALIDATION = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
} as const;

/** How far ahead of our clock an occurredAt may be before it is refused as a mistake. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** Validates one touchpoint: the envelope, then `data` against the schema of its type and version. */
export function validateTouchpoint(input: unknown, now: Date): ValidationOutcome {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return {
      valid: false,
      errors: [{ field: '', rule: 'isObject', message: 'a touchpoint must be a JSON object' }],
    };
  }
  // Values no store can hold, and keys that reach prototype machinery, before any transformer
  // copies them (the HTTP layer checks whole requests too; Kafka records arrive only here).
  const unstorable = unstorableValues(input);
  if (unstorable.length > 0) return { valid: false, errors: unstorable };
  const envelope = plainToInstance(TouchpointDto, input);
  const envelopeErrors = toFieldErrors(validateSync(envelope, VALIDATION));
  if (envelopeErrors.length > 0) return { valid: false, errors: envelopeErrors };

  const version = envelope.version ?? latestVersion(envelope.type)!;
  const schema = schemaFor(envelope.type, version);
  if (!schema) {
    return {
      valid: false,
      errors: [
        {
          field: 'version',
          rule: 'isSupported',
          message: `${envelope.type} has no schema version ${version}`,
        },
      ],
    };
  }
  if (schema.systemOnly) {
    return {
      valid: false,
      errors: [
        {
          field: 'type',
          rule: 'isNotSystemEvent',
          message: `${envelope.type} is appended by the engine itself`,
        },
      ],
    };
  }
  const occurredAt = new Date(envelope.occurredAt);
  if (occurredAt.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) {
    return {
      valid: false,
      errors: [
        {
          field: 'occurredAt',
          rule: 'isNotInFuture',
          message: 'occurredAt must not be in the future',
        },
      ],
    };
  }
  const payload = plainToInstance(schema.payload, envelope.data);
  const dataErrors = toFieldErrors(validateSync(payload, VALIDATION), 'data');
  if (dataErrors.length > 0) return { valid: false, errors: dataErrors };

  const metadata = Object.fromEntries(
    Object.entries(envelope.metadata ?? {}).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
  return {
    valid: true,
    touchpoint: {
      eventId: envelope.eventId.toLowerCase(),
      customerId: envelope.customerId,
      type: envelope.type,
      version,
      occurredAt: occurredAt.toISOString(),
      // The client's JSON as sent (validated above), not the transformed instance.
      data: envelope.data,
      metadata,
    },
  };
}
