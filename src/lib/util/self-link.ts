import * as fs from 'node:fs';
import * as path from 'node:path';

import { packageRoot } from './package-root';

/**
 * Makes `require('actlab')` / `import ... from 'actlab'` resolve inside this
 * checkout (notebooks, scripts) the way it does in a project that installed
 * actlab: `node_modules/actlab` -> the package root. `npm ci` makes the link;
 * `npm install <pkg>` prunes it, so the notebook runner makes it again.
 * Returns the link path, or undefined when there is no node_modules here.
 */
export function ensureSelfLink(root: string = packageRoot()): string | undefined {
  const nodeModules = path.join(root, 'node_modules');
  if (!fs.existsSync(nodeModules)) return undefined;
  const link = path.join(nodeModules, 'actlab');
  const current = fs.lstatSync(link, { throwIfNoEntry: false });
  if (current && !current.isSymbolicLink()) return link; // a real install of actlab: leave it
  if (current && fs.existsSync(link) && fs.realpathSync(link) === fs.realpathSync(root)) return link;
  if (current) fs.unlinkSync(link);
  fs.symlinkSync(path.relative(nodeModules, root) || '.', link, process.platform === 'win32' ? 'junction' : 'dir');
  return link;
}
