import * as fs from 'node:fs';
import * as path from 'node:path';

/** The folder holding actlab's package.json (works from `src/`, `dist/` and test builds). */
export function packageRoot(): string {
  let dir = __dirname;
  while (!isActlabRoot(dir)) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find actlab's package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

/** actlab's version from its package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function isActlabRoot(dir: string): boolean {
  const file = path.join(dir, 'package.json');
  if (!fs.existsSync(file)) return false;
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string }).name === 'actlab';
}
