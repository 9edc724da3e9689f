import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/config/package-root';
import { GENERATED, generateResponseSchemas } from './response-schemas';

describe('response schemas (src/http/responses.schema.json)', () => {
  it('are what src/http/responses.ts derives today: run npm run openapi:schemas if not', () => {
    const committed = readFileSync(join(PACKAGE_ROOT, GENERATED), 'utf8');
    expect(committed).toBe(generateResponseSchemas());
  }, 120_000);

  it('are OpenAPI 3.0 schema objects: no "null" type, no draft-07 refs or const', () => {
    const text = generateResponseSchemas();
    expect(text).not.toMatch(/"type": "null"|"null"\]|#\/definitions\/|"const":/);
    expect(text).toMatch(/"nullable": true/);
  }, 120_000);
});
