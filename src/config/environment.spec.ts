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
    ['EVENT_STORE', 'eventstoredb', 'EVENTSTOREDB_URL: must be an esdb:// (or kurrentdb://)'],
    ['READ_MODEL_STORE', 'mongodb', 'MONGODB_URL: must be a mongodb:// URL, required when'],
    ['PUBLISHER', 'kafka', 'KAFKA_BROKERS: must be host:port[,host:port...], required when'],
    ['KAFKA_INGEST', 'true', 'KAFKA_BROKERS: must be host:port'],
    ['KAFKA_INGEST', 'yes', 'KAFKA_INGEST: must be a boolean value'],
    ['PUBLISHER', 'rabbitmq', 'PUBLISHER: must be one of the following values'],
    ['API_KEYS', 'gateway:ingest:plain-key', 'API_KEYS: must be name:role[+role]:sha256-hex'],
    ['API_DOCS', 'off', 'API_DOCS: must be a boolean value'],
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

  it('given each backend with its address, then accepted', () => {
    expect(
      validateEnvironment({
        EVENT_STORE: 'eventstoredb',
        EVENTSTOREDB_URL: 'esdb://127.0.0.1:2113?tls=false',
        READ_MODEL_STORE: 'mongodb',
        MONGODB_URL: 'mongodb://127.0.0.1:27017',
        PUBLISHER: 'kafka',
        KAFKA_BROKERS: '127.0.0.1:9092,127.0.0.1:9093',
        KAFKA_INGEST: 'true',
      }),
    ).toMatchObject({ EVENT_STORE: 'eventstoredb', KAFKA_INGEST: true, PUBLISHER: 'kafka' });
  });

  it('ignores variables it does not own', () => {
    expect(() => validateEnvironment({ HOME: '/root', PATH: '/bin' })).not.toThrow();
  });
});
