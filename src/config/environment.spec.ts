import { InvalidEnvironmentError, validateEnvironment } from './environment';

describe('validateEnvironment', () => {
  it('given nothing, then the embedded defaults', () => {
    expect(validateEnvironment({})).toMatchObject({
      PORT: 3000,
      DATA_DIR: './data',
      DATABASE_URL: undefined,
      INGEST_MAX_BATCH: 500,
    });
  });

  it('given numbers as strings, then numbers', () => {
    expect(validateEnvironment({ PORT: '8080', INGEST_MAX_BATCH: '100' })).toMatchObject({
      PORT: 8080,
      INGEST_MAX_BATCH: 100,
    });
  });

  it.each([
    ['PORT', 'abc', 'PORT: must be an integer number'],
    ['PORT', '70000', 'PORT: must not be greater than 65535'],
    ['DATABASE_URL', 'mysql://x', 'DATABASE_URL: must be a postgres:// or postgresql:// URL'],
    ['INGEST_MAX_BATCH', '0', 'INGEST_MAX_BATCH: must not be less than 1'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL: must be one of the following values'],
  ])('given %s=%s, then one message naming it', (variable, value, message) => {
    const error = (() => {
      try {
        validateEnvironment({ [variable]: value });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(InvalidEnvironmentError);
    expect((error as Error).message).toContain(`Invalid environment variable ${message}`);
  });

  it('ignores variables it does not own', () => {
    expect(() => validateEnvironment({ HOME: '/root', PATH: '/bin' })).not.toThrow();
  });
});
