/**
 * Colab/Kaggle variants of the chapters: the same notebook for a Python kernel,
 * whose first cell gets actlab ready and loads the `%%ts` magic
 * (colab/actlab_ts.py) and whose code cells start with `%%ts`. Generated from
 * notebooks/, never edited by hand: `npx actlab colab` writes them, `--check`
 * says which are out of date.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { markdownTable } from '../util/markdown-table';
import { packageRoot } from '../util/package-root';
import { joinText, type Notebook, type NotebookCell } from './notebook-file';
import { NOTEBOOK_PATTERN } from './runner';

/** Where the repository lives on GitHub: colab/settings.json, the one place to change it. */
export interface ColabSettings {
  /** `owner/name` on GitHub. */
  readonly repository: string;
  /** The branch the links and the clone use. */
  readonly branch: string;
}

export interface ColabOptions {
  /** Folder of the `NN_*.ipynb` chapters. @default `<package>/notebooks` */
  readonly notebooksDir?: string;
  /** The `colab/` folder: setup.ipynb goes here, the variants into its `notebooks/`. @default `<package>/colab` */
  readonly colabDir?: string;
  /** @default read from `<colabDir>/settings.json` */
  readonly settings?: ColabSettings;
}

/** One generated file and whether the one on disk differs (or is missing, or has no source any more). */
export interface ColabFile {
  /** Path relative to the colab folder, e.g. `notebooks/00_setup.ipynb`. */
  readonly file: string;
  /** The generated text; undefined for a stale variant whose chapter is gone. */
  readonly text?: string;
  readonly state: 'same' | 'changed' | 'missing' | 'orphan';
}

type Cell = NotebookCell;

const PYTHON_METADATA = {
  kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' },
  language_info: { name: 'python' },
};

/** Reads colab/settings.json and checks its two fields. */
export function colabSettings(colabDir: string = path.join(packageRoot(), 'colab')): ColabSettings {
  const file = path.join(colabDir, 'settings.json');
  return checkedSettings(JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ColabSettings>, file);
}

function checkedSettings(raw: Partial<ColabSettings>, file: string): ColabSettings {
  if (typeof raw.repository !== 'string' || !/^[\w.-]+\/[\w.-]+$/.test(raw.repository)) {
    throw new Error(`${file}: "repository" must be the GitHub "owner/name", got ${JSON.stringify(raw.repository)}`);
  }
  if (typeof raw.branch !== 'string' || raw.branch === '') {
    throw new Error(`${file}: "branch" must name a branch, got ${JSON.stringify(raw.branch)}`);
  }
  return { repository: raw.repository, branch: raw.branch };
}

/** The "Open in Colab" address of a file of the repository (path relative to its root). */
export function colabUrl(settings: ColabSettings, file: string): string {
  return `https://colab.research.google.com/github/${settings.repository}/blob/${settings.branch}/${file}`;
}

/**
 * The Python cell that starts every Colab notebook: finds the actlab checkout
 * (here or above, or ./actlab), clones it when there is none, then runs
 * colab/actlab_setup.py's `ensure` (Node, npm ci, kernel, `%%ts`).
 */
export function setupCellSource(settings: ColabSettings, options: { readonly checks?: boolean } = {}): string {
  return [
    '# Setup (Python): the first run gets Node.js and actlab (a few minutes); a second run takes seconds.',
    '# Afterwards every cell that starts with %%ts runs TypeScript in the actlab kernel.',
    'import os, subprocess, sys',
    `REPOSITORY, BRANCH = ${JSON.stringify(settings.repository)}, ${JSON.stringify(settings.branch)}`,
    'def actlab_root(folder=os.path.abspath(".")):',
    '    places = [os.environ.get("ACTLAB_ROOT", "")]',
    '    while True:',
    '        places += [folder, os.path.join(folder, "actlab")]',
    '        if os.path.dirname(folder) == folder:',
    '            return next((p for p in places if p and os.path.isfile(os.path.join(p, "colab", "actlab_setup.py"))), None)',
    '        folder = os.path.dirname(folder)',
    'ACTLAB_ROOT = actlab_root()',
    'if ACTLAB_ROOT is None:',
    '    subprocess.run(["git", "clone", "--depth", "1", "--branch", BRANCH, f"https://github.com/{REPOSITORY}.git", "actlab"], check=True)',
    '    ACTLAB_ROOT = os.path.abspath("actlab")',
    'sys.path.insert(0, os.path.join(ACTLAB_ROOT, "colab"))',
    'import actlab_setup',
    `actlab_setup.ensure(ACTLAB_ROOT${options.checks ? ', checks=True' : ''})`,
  ].join('\n');
}

/** The Colab variant of one chapter (`name` is its file name, e.g. `00_setup.ipynb`). */
export function colabVariant(chapter: Notebook, name: string, settings: ColabSettings): Notebook {
  const header = markdown(
    'colab-open',
    `[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](${colabUrl(settings, `colab/notebooks/${name}`)})\n\n` +
      `*The Colab/Kaggle version of \`notebooks/${name}\`: a Python notebook whose \`%%ts\` cells run in the actlab TypeScript kernel. ` +
      'Run the setup cell first. Generated by `npx actlab colab`: edit the chapter, not this file.*',
  );
  const cells = chapter.cells.map((cell): Cell => {
    if (cell.cell_type !== 'code') return cell;
    return { ...cell, source: `%%ts\n${joinText(cell.source)}`, outputs: [], execution_count: null };
  });
  return {
    cells: [header, code('colab-setup', setupCellSource(settings)), ...cells],
    metadata: PYTHON_METADATA,
    nbformat: chapter.nbformat,
    nbformat_minor: chapter.nbformat_minor,
  };
}

/** colab/setup.ipynb: what the setup does, the setup cell with checks, a first `%%ts` cell, what next. */
export function setupNotebook(settings: ColabSettings, chapters: readonly string[]): Notebook {
  const links = chapters.map((name) => `- [${name}](${colabUrl(settings, `colab/notebooks/${name}`)})`).join('\n');
  return {
    cells: [
      markdown(
        'intro',
        '# actlab on Colab, Kaggle or any Python Jupyter\n\n' +
          'Colab and Kaggle run Python notebooks only, so the chapters come in a Python version: each code cell starts with `%%ts` ' +
          'and runs in a TypeScript (tslab) kernel started next to the Python one. This notebook installs what that needs, ' +
          'step by step, and says what it found:\n\n' +
          '1. Node.js 20 or newer (downloaded from nodejs.org when the machine has none or an older one);\n' +
          '2. the actlab repository (cloned into `./actlab` unless this notebook already sits in a checkout);\n' +
          '3. `npm ci` (packages and the built library; skipped when they are up to date);\n' +
          '4. the `actlab` Jupyter kernel, registered for this user;\n' +
          '5. ffmpeg/ffprobe and the TensorFlow.js backend, as `npx actlab env` reports them;\n' +
          '6. the `%%ts` magic.\n\n' +
          'Running it again is harmless and takes seconds. On a GPU runtime, run `npx actlab gpu setup` afterwards (see colab/README.md).',
      ),
      code('setup', setupCellSource(settings, { checks: true })),
      markdown(
        'first-h',
        'A first TypeScript cell: the `%%ts` line sends it to the actlab kernel, which keeps its state across cells.',
      ),
      code(
        'first',
        "%%ts\nimport { backend } from 'actlab';\nconst info = await backend.initBackend();\nconsole.log(`backend: ${info.name}, GPU: ${info.gpu}`);",
      ),
      markdown('next', `## Next\n\nOpen a chapter; each starts with the same setup cell.\n\n${links}`),
    ],
    metadata: PYTHON_METADATA,
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/** Every file `npx actlab colab` writes, compared with what is on disk. */
export function colabFiles(options: ColabOptions = {}): ColabFile[] {
  const root = packageRoot();
  const notebooksDir = options.notebooksDir ?? path.join(root, 'notebooks');
  const colabDir = options.colabDir ?? path.join(root, 'colab');
  const settings = options.settings ?? colabSettings(colabDir);
  const chapters = fs
    .readdirSync(notebooksDir)
    .filter((name) => NOTEBOOK_PATTERN.test(name))
    .sort();
  if (chapters.length === 0) throw new Error(`no NN_*.ipynb chapters in ${notebooksDir}`);
  const generated = new Map<string, string>();
  generated.set('setup.ipynb', format(setupNotebook(settings, chapters)));
  for (const name of chapters) {
    const chapter = JSON.parse(fs.readFileSync(path.join(notebooksDir, name), 'utf8')) as Notebook;
    generated.set(`notebooks/${name}`, format(colabVariant(chapter, name, settings)));
  }
  const variantsDir = path.join(colabDir, 'notebooks');
  const onDisk = fs.existsSync(variantsDir) ? fs.readdirSync(variantsDir).filter((n) => n.endsWith('.ipynb')) : [];
  const files: ColabFile[] = [...generated].map(([file, text]) => {
    const target = path.join(colabDir, file);
    if (!fs.existsSync(target)) return { file, text, state: 'missing' };
    return { file, text, state: fs.readFileSync(target, 'utf8') === text ? 'same' : 'changed' };
  });
  for (const name of onDisk) {
    if (!generated.has(`notebooks/${name}`)) files.push({ file: `notebooks/${name}`, state: 'orphan' });
  }
  return files;
}

/** Writes what differs and deletes variants of chapters that are gone; returns the files touched. */
export function writeColabFiles(options: ColabOptions = {}): ColabFile[] {
  const colabDir = options.colabDir ?? path.join(packageRoot(), 'colab');
  const touched = colabFiles(options).filter((f) => f.state !== 'same');
  for (const f of touched) {
    const target = path.join(colabDir, f.file);
    if (f.text === undefined) {
      fs.rmSync(target);
      continue;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, f.text);
  }
  return touched;
}

/** The "Open in Colab" table of docs/platforms.md, one row per chapter. */
export function colabLinksMarkdown(settings: ColabSettings, chapters: readonly string[]): string {
  const badge = (file: string) =>
    `[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](${colabUrl(settings, file)})`;
  return markdownTable([
    ['Chapter', 'Colab / Kaggle'],
    ['setup', badge('colab/setup.ipynb')],
    ...chapters.map((name) => [`\`${name}\``, badge(`colab/notebooks/${name}`)]),
  ]);
}

export const COLAB_LINKS_START = '<!-- colab-links:start (written by `npx actlab colab`; do not edit by hand) -->';
export const COLAB_LINKS_END = '<!-- colab-links:end -->';

/** Writes colab/settings.json: the repository (owner/name) and branch every Colab link and clone uses. */
export function writeColabSettings(
  settings: ColabSettings,
  colabDir: string = path.join(packageRoot(), 'colab'),
): void {
  const file = path.join(colabDir, 'settings.json');
  fs.writeFileSync(file, `${JSON.stringify(checkedSettings(settings, file), null, 2)}\n`);
}

function markdown(id: string, source: string): Cell {
  return { cell_type: 'markdown', id, metadata: {}, source };
}

function code(id: string, source: string): Cell {
  return { cell_type: 'code', execution_count: null, id, metadata: {}, outputs: [], source };
}

/** Jupyter's own layout (one-space indent, source as a list of lines), so saving in Jupyter changes nothing. */
function format(notebook: Notebook): string {
  const cells = notebook.cells.map((cell) => ({ ...cell, source: splitLines(joinText(cell.source)) }));
  return `${JSON.stringify({ ...notebook, cells }, null, 1)}\n`;
}

function splitLines(text: string): string[] {
  return text.split(/(?<=\n)/).filter((line) => line !== '');
}
