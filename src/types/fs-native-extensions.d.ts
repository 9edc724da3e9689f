/** The part of fs-native-extensions we use (the package ships no types). */
declare module 'fs-native-extensions' {
  /** A non-blocking exclusive (or shared) lock on an open file; false when another holds it. */
  export function tryLock(fd: number, options?: { shared?: boolean }): boolean;
  export function unlock(fd: number): void;
}
