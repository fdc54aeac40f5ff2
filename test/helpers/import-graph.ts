/**
 * The import graph between the folders of a source tree (`src/lib/<folder>/…`),
 * or between its files, read from the TypeScript sources, and its cycles. A
 * folder is one concept; two concepts that import each other are one tangled
 * concept, and two files that import each other are one file in two pieces.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** `from` imports `to` (folders, or files relative to the root), because of the files listed (relative to the root). */
export interface FolderEdge {
  readonly from: string;
  readonly to: string;
  readonly files: readonly string[];
}

/** Every relative import, `export … from`, dynamic `import()` and `require()` of a file. */
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]*)['"]/gm;

/** Folder-to-folder edges under `root` (files directly in `root` belong to no folder and are skipped). */
export function folderEdges(root: string): FolderEdge[] {
  return edgesBetween(root, (file) => {
    const parts = path.relative(root, file).split(path.sep);
    return parts.length > 1 && parts[0] !== '..' ? parts[0] : undefined;
  });
}

/** File-to-file edges under `root`: each file (relative to the root) and the files it imports. */
export function fileEdges(root: string): FolderEdge[] {
  return edgesBetween(root, (file) => {
    const name = path.relative(root, file);
    return name.startsWith('..') ? undefined : name.split(path.sep).join('/');
  });
}

/** Edges between the units `unitOf` puts files in (undefined: in none, skipped); a unit's imports of itself are left out. */
function edgesBetween(root: string, unitOf: (file: string) => string | undefined): FolderEdge[] {
  const edges = new Map<string, Set<string>>();
  for (const name of fs.readdirSync(root, { recursive: true }) as string[]) {
    if (!name.endsWith('.ts')) continue;
    const file = path.join(root, name);
    const from = unitOf(file);
    if (!from) continue;
    for (const match of fs.readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = path.resolve(path.dirname(file), match[1] as string);
      // '../video' is that folder's index.ts; '../index' is a file of the root, in no folder.
      const to = fs.existsSync(`${target}.ts`) ? unitOf(`${target}.ts`) : unitOf(path.join(target, 'index.ts'));
      if (!to || to === from) continue;
      const key = `${from}\0${to}`;
      if (!edges.has(key)) edges.set(key, new Set());
      edges.get(key)?.add(name.split(path.sep).join('/'));
    }
  }
  return [...edges].map(([key, files]) => {
    const [from, to] = key.split('\0') as [string, string];
    return { from, to, files: [...files].sort() };
  });
}

/**
 * The folder cycles (strongly connected groups of two or more folders), each
 * as readable lines: "a → b (a/x.ts)". Empty when the folders form a DAG.
 */
export function folderCycles(edges: readonly FolderEdge[]): string[][] {
  return cycleGroups(edges).map((group) =>
    edges
      .filter((e) => group.includes(e.from) && group.includes(e.to))
      .map((e) => `${e.from} → ${e.to} (${e.files.join(', ')})`),
  );
}

/**
 * The file cycles (from {@link fileEdges}), each as readable lines:
 * "a/x.ts → b/y.ts". Empty when the files form a DAG.
 */
export function fileCycles(edges: readonly FolderEdge[]): string[][] {
  return cycleGroups(edges).map((group) =>
    edges.filter((e) => group.includes(e.from) && group.includes(e.to)).map((e) => `${e.from} → ${e.to}`),
  );
}

/** The strongly connected groups of two or more nodes, each sorted. */
function cycleGroups(edges: readonly FolderEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const edge of edges) next.set(edge.from, [...(next.get(edge.from) ?? []), edge.to]);
  // Tarjan's strongly connected components.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  let counter = 0;
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const to of next.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node) as number, low.get(to) as number));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node) as number, index.get(to) as number));
      }
    }
    if (low.get(node) === index.get(node)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  for (const node of new Set(edges.flatMap((e) => [e.from, e.to]))) if (!index.has(node)) visit(node);
  return groups;
}
