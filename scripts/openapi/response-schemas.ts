/**
 * Derives the JSON Schemas of the routes' success answers (src/http/responses.ts) with
 * ts-json-schema-generator, in the OpenAPI 3.0 dialect the document uses (nullable rather than
 * a "null" type, components refs), and writes them to src/http/responses.schema.json.
 *
 *   npm run openapi:schemas            regenerate
 *   npm run openapi:schemas -- --check exit 1 when the committed file is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGenerator } from 'ts-json-schema-generator';
import { PACKAGE_ROOT } from '../../src/config/package-root';

const SOURCE = 'src/http/responses.ts';
export const GENERATED = 'src/http/responses.schema.json';
const REF_PREFIX = '#/components/schemas/';

type Schema = Record<string, unknown>;

/**
 * JSON null in OpenAPI 3.0, which has no "null" type: `nullable` needs a `type` beside it, and an
 * enum of the one value null then admits null alone.
 */
const NULL_ONLY: Schema = { type: 'string', nullable: true, enum: [null] };

/**
 * JSON Schema draft 7 as generated → OpenAPI 3.0 schema objects: `T | null` of a primitive is
 * `{type: T, nullable: true}`; of anything else `anyOf: [T, NULL_ONLY]`; refs point into
 * components; `const` is a one-value enum.
 */
function toOpenApi30(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toOpenApi30);
  if (node === null || typeof node !== 'object') return node;
  const source = node as Schema;
  if (source.type === 'null') return { ...NULL_ONLY };
  const schema: Schema = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === '$ref' && typeof value === 'string')
      schema.$ref = value.replace('#/definitions/', REF_PREFIX);
    else if (key === 'const') schema.enum = [value];
    else schema[key] = toOpenApi30(value);
  }
  if (Array.isArray(schema.type)) {
    const types = (schema.type as string[]).filter((type) => type !== 'null');
    const nullable = types.length < schema.type.length;
    if (types.length === 1) {
      schema.type = types[0];
      if (nullable) schema.nullable = true;
    } else {
      delete schema.type;
      schema.anyOf = [...types.map((type) => ({ type })), ...(nullable ? [NULL_ONLY] : [])];
    }
  }
  return schema;
}

export function generateResponseSchemas(root = PACKAGE_ROOT): string {
  const generated = createGenerator({
    path: join(root, SOURCE),
    tsconfig: join(root, 'tsconfig.json'),
    type: '*',
    expose: 'export',
    topRef: true,
    jsDoc: 'extended',
    additionalProperties: false,
    skipTypeCheck: true,
  }).createSchema('*');
  const definitions = toOpenApi30(generated.definitions ?? {}) as Record<string, Schema>;
  const sorted = Object.fromEntries(
    Object.keys(definitions)
      .sort()
      .map((name) => [name, definitions[name]]),
  );
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

if (require.main === module) {
  const root = PACKAGE_ROOT;
  const text = generateResponseSchemas(root);
  const target = join(root, GENERATED);
  if (process.argv.includes('--check')) {
    if (readFileSync(target, 'utf8') !== text) {
      process.stderr.write(`${GENERATED} is stale: run npm run openapi:schemas\n`);
      process.exit(1);
    }
  } else {
    writeFileSync(target, text);
    process.stdout.write(`wrote ${GENERATED}\n`);
  }
}
