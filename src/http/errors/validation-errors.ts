import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';

import { FieldError, RequestValidationError } from './errors';

/** Flattens class-validator's tree into one entry per broken rule, with a dotted field path. */
export function toFieldErrors(errors: readonly ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix
      ? /^\d+$/.test(error.property)
        ? `${prefix}[${error.property}]`
        : `${prefix}.${error.property}`
      : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) => ({
      field,
      rule: rule === 'whitelistValidation' ? 'unknownField' : rule,
      message: rule === 'whitelistValidation' ? `${field} is not a known field` : message,
    }));
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
}

/** Validates query-string parameters into `type`, or throws a 400 naming each broken rule. */
export function parseQuery<T extends object>(type: new () => T, raw: Record<string, unknown>): T {
  const instance = plainToInstance(type, raw, { enableImplicitConversion: false });
  const errors = toFieldErrors(
    validateSync(instance, { whitelist: true, forbidNonWhitelisted: true }),
  );
  if (errors.length > 0) throw new RequestValidationError(errors);
  return instance;
}
