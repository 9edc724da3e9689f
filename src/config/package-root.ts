import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** The folder holding the service's package.json, wherever the process was started from. */
function findPackageRoot(from: string): string {
  for (let folder = from; ; folder = dirname(folder)) {
    if (existsSync(join(folder, 'package.json'))) return folder;
    if (dirname(folder) === folder) return process.cwd();
  }
}

export const PACKAGE_ROOT = findPackageRoot(__dirname);

/** A bundled file (the policy...): relative paths are taken from the package root, not the cwd. */
export const bundledPath = (path: string): string =>
  isAbsolute(path) ? path : resolve(PACKAGE_ROOT, path);
