import { FieldError } from './errors/errors';

/**
 * Keys that reach an object's prototype machinery when a payload is copied or transformed:
 * `__proto__`, `prototype`, and every member of Object.prototype (`constructor`, `valueOf`,
 * `toString`, `hasOwnProperty`...). class-transformer skips a field whose name is an inherited
 * method, so such a key would pass validation unseen and be dropped from what is stored.
 */
const PROTOTYPE_KEYS = new Set([
  '__proto__',
  'prototype',
  ...Object.getOwnPropertyNames(Object.prototype),
]);
/** NUL (PostgreSQL text and jsonb refuse it) or a UTF-16 surrogate without its pair. */
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The one check of request values every store can hold: no NUL characters and no unpaired
 * surrogates in any string or key (PostgreSQL refuses both, MongoDB's BSON the second), no
 * number beyond a double's range (JSON.parse makes it Infinity), and no key that names prototype
 * machinery. Returns the errors, naming each field by its path.
 */
export function unstorableValues(value: unknown, root = ''): FieldError[] {
  const errors: FieldError[] = [];
  const visit = (current: unknown, path: string) => {
    if (errors.length >= 20) return;
    if (typeof current === 'string') {
      if (UNSTORABLE.test(current)) errors.push(unstorableString(path));
      return;
    }
    // JSON.parse reads 1e400 as Infinity, which no store keeps (it would come back as null).
    if (typeof current === 'number' && !Number.isFinite(current)) {
      errors.push({
        field: path || '(root)',
        rule: 'isFiniteNumber',
        message: `${path || 'the value'} is a number too large for a double (at most about 1.8e308)`,
      });
      return;
    }
    if (typeof current !== 'object' || current === null) return;
    if (Array.isArray(current)) {
      current.forEach((item, index) => visit(item, `${path}[${index}]`));
      return;
    }
    for (const key of Object.keys(current)) {
      const child = path ? `${path}.${key}` : key;
      if (PROTOTYPE_KEYS.has(key)) {
        errors.push({
          field: child,
          rule: 'isSafeKey',
          message: `${child}: "${key}" is not accepted as a field name`,
        });
      } else if (UNSTORABLE.test(key)) {
        errors.push({
          field: path || '(root)',
          rule: 'isStorableString',
          message: 'a field name holds a NUL character or an unpaired UTF-16 surrogate',
        });
      } else {
        visit((current as Record<string, unknown>)[key], child);
      }
    }
  };
  visit(value, root);
  return errors;
}

const unstorableString = (field: string): FieldError => ({
  field,
  rule: 'isStorableString',
  message: `${field || 'the value'} must not hold NUL characters or unpaired UTF-16 surrogates`,
});

/**
 * How deep a JSON text nests (objects and arrays), read from the raw bytes before parsing, so a
 * hostile body never reaches a recursive parser or transformer. Stops counting past `limit`.
 */
export function jsonDepthExceeds(raw: Buffer, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i];
    if (inString) {
      if (byte === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x7b || byte === 0x5b) {
      if (++depth > limit) return true;
    } else if (byte === 0x7d || byte === 0x5d) depth--;
  }
  return false;
}
