/**
 * class-transformer's metadata store (where @Type is recorded) is not re-exported from its main
 * entry; class-validator-jsonschema reads nested array item classes from it.
 */
declare module 'class-transformer/cjs/storage' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage';
}
