/**
 * Makes `require('actlab')` / `import ... from 'actlab'` resolve inside this
 * checkout (notebooks, scripts) the way it does in a project that installed
 * actlab: node_modules/actlab -> the package root. Run by `npm ci` (prepare).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { packageRoot } from '../lib/util/package-root';

const root = packageRoot();
const nodeModules = path.join(root, 'node_modules');
const link = path.join(nodeModules, 'actlab');

if (fs.existsSync(nodeModules)) {
  const current = fs.lstatSync(link, { throwIfNoEntry: false });
  if (current && !current.isSymbolicLink()) {
    console.warn(`actlab: ${link} exists and is not a link; leaving it alone`);
  } else if (!current || fs.realpathSync(link) !== fs.realpathSync(root)) {
    if (current) fs.unlinkSync(link);
    fs.symlinkSync(path.relative(nodeModules, root) || '.', link, process.platform === 'win32' ? 'junction' : 'dir');
  }
}
