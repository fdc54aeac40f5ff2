/**
 * No two folders of src/lib import each other, directly or round a loop: each
 * folder is one concept with one home, and the dependency order stays a DAG.
 * No two files of src import each other either: what both need has a home of
 * its own, below both.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { ROOT } from './helpers/cli';
import { fileCycles, fileEdges, folderCycles, folderEdges } from './helpers/import-graph';
import { tempDir } from './helpers/fixtures';

test('no import cycle between the folders of src/lib', () => {
  const edges = folderEdges(path.join(ROOT, 'src', 'lib'));
  assert.ok(edges.length > 20, `only ${edges.length} folder imports found: is the parser still reading src/lib?`);
  const cycles = folderCycles(edges);
  assert.deepEqual(
    cycles,
    [],
    `folders that import each other (move the shared piece to the lower folder, or to util):\n${cycles.map((c) => c.join('\n')).join('\n\n')}`,
  );
});

test('the check finds a planted cycle and names its files', () => {
  const root = tempDir();
  const write = (file: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };
  write('index.ts', "export * from './a';\n");
  write('a/x.ts', "import { y } from '../b/y';\nexport const x = y;\n");
  write('b/y.ts', "export { z as y } from '../c';\n");
  write('c/index.ts', "import type { X } from '../a/x';\nexport const z = 1;\n");
  write('d/w.ts', "const lazy = () => require('../a/x');\nexport { lazy };\n");
  assert.deepEqual(folderCycles(folderEdges(root)), [['a → b (a/x.ts)', 'b → c (b/y.ts)', 'c → a (c/index.ts)']]);
});

test('no import cycle between the files of src', () => {
  const edges = fileEdges(path.join(ROOT, 'src'));
  assert.ok(edges.length > 200, `only ${edges.length} file imports found: is the parser still reading src?`);
  const cycles = fileCycles(edges);
  assert.deepEqual(
    cycles,
    [],
    `files that import each other (move the shared piece to a file both can import):\n${cycles.map((c) => c.join('\n')).join('\n\n')}`,
  );
});

test('the file check finds a planted cycle, through an index and a type import, and names its files', () => {
  const root = tempDir();
  const write = (file: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };
  write('index.ts', "export * from './a/x';\n");
  write('a/x.ts', "import { y } from './y';\nexport const x = y;\n");
  write('a/y.ts', "export { z as y } from '../c';\n");
  write('c/index.ts', "import type { X } from '../a/x';\nexport const z = 1;\n");
  write('d/w.ts', "const lazy = () => require('../a/x');\nexport { lazy };\n");
  write('d/v.ts', "import { lazy } from './w';\nexport const v = lazy;\n");
  assert.deepEqual(fileCycles(fileEdges(root)), [['a/x.ts → a/y.ts', 'a/y.ts → c/index.ts', 'c/index.ts → a/x.ts']]);
});
