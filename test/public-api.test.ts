/**
 * Every `namespace.name` the notebooks' code uses (chapters, worked
 * solutions, Colab variants) is in the package root: a name the public API
 * dropped fails here in a second, instead of in a notebook half an hour into
 * the suite. Types count as present when the namespace's public.d.ts exports them.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { ROOT } from './helpers/cli';
import { joined, NOTEBOOKS, numberedNotebooks, readCells, SOLUTIONS } from './helpers/notebooks';

/** The package root as notebooks load it (`require('actlab')`: dist/). */
const root = require(path.join(ROOT, 'dist', 'lib', 'index.js')) as Record<string, Record<string, unknown>>;
/** Namespace name → its folder under dist/lib (`evaluation` lives in eval/). */
const FOLDER: Record<string, string> = { evaluation: 'eval' };

function typeNames(namespace: string): string {
  return fs.readFileSync(path.join(ROOT, 'dist', 'lib', FOLDER[namespace] ?? namespace, 'public.d.ts'), 'utf8');
}

/** `ns.name` uses in a notebook's code cells, for the namespaces it imports from 'actlab' and does not shadow. */
function namespaceUses(file: string): Array<{ namespace: string; name: string }> {
  const code = readCells(file)
    .filter((cell) => cell.cell_type === 'code')
    .map((cell) => joined(cell.source))
    .join('\n')
    .replaceAll('...', ' '); // a spread (...synth.PEOPLE_CACHE) is a use; a.b.c's b is not
  const imported = [...code.matchAll(/import \{([^}]*)\} from 'actlab'/g)].flatMap((m) =>
    (m[1] as string).split(',').map((name) => name.trim()),
  );
  const shadowed = (name: string): boolean => new RegExp(`\\b(const|let|var) ${name}\\b|\\(${name}[,:)]`).test(code);
  const namespaces = imported.filter((name) => name in root && !shadowed(name));
  if (namespaces.length === 0) return [];
  const uses = code.matchAll(new RegExp(`(?<![.\\w])(${namespaces.join('|')})\\.([A-Za-z_]\\w*)`, 'g'));
  return [...uses].map((m) => ({ namespace: m[1] as string, name: m[2] as string }));
}

test("every namespace.name the notebooks use is exported by require('actlab')", () => {
  const colab = path.join(ROOT, 'colab', 'notebooks');
  const files = [
    ...numberedNotebooks(NOTEBOOKS).map((f) => path.join(NOTEBOOKS, f)),
    ...numberedNotebooks(SOLUTIONS).map((f) => path.join(SOLUTIONS, f)),
    ...fs
      .readdirSync(colab)
      .filter((f) => f.endsWith('.ipynb'))
      .map((f) => path.join(colab, f)),
  ];
  assert.ok(files.length > 30, `only ${files.length} notebooks found`);
  const missing = new Set<string>();
  let checked = 0;
  for (const file of files) {
    for (const { namespace, name } of namespaceUses(file)) {
      checked++;
      const value = root[namespace]?.[name];
      if (value === undefined && !new RegExp(`\\b${name}\\b`).test(typeNames(namespace)))
        missing.add(`${namespace}.${name} (${path.relative(ROOT, file)})`);
    }
  }
  assert.ok(checked > 300, `only ${checked} uses found: is the scan still reading the notebooks?`);
  assert.deepEqual([...missing], [], 'export these from the namespace’s public.ts');
});
