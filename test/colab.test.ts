/**
 * The Colab variants are generated from notebooks/ (npx actlab colab): they are
 * up to date, have the right shape, and going stale is detected.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import {
  colabFiles,
  colabLinksMarkdown,
  colabSettings,
  colabUrl,
  setupCellSource,
  writeColabFiles,
  writeColabSettings,
} from '../src/lib/jupyter';
import { ROOT, runCli } from './helpers/cli';
import { joined, NOTEBOOKS, numberedNotebooks, readCells } from './helpers/notebooks';

const SETTINGS = { repository: 'someone/actlab-fork', branch: 'spring' };

function tempColab(): { notebooksDir: string; colabDir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actlab-colab-'));
  const notebooksDir = path.join(dir, 'notebooks');
  const colabDir = path.join(dir, 'colab');
  fs.mkdirSync(notebooksDir);
  fs.mkdirSync(colabDir);
  const first = numberedNotebooks(NOTEBOOKS)[0]!;
  fs.copyFileSync(path.join(NOTEBOOKS, first), path.join(notebooksDir, first));
  return { notebooksDir, colabDir };
}

describe('Colab variants', () => {
  it('are up to date with notebooks/ (else: npx actlab colab)', () => {
    const stale = colabFiles().filter((f) => f.state !== 'same');
    assert.deepEqual(
      stale.map((f) => `colab/${f.file}: ${f.state}`),
      [],
      'the Colab variants differ from notebooks/: run npx actlab colab and commit colab/',
    );
    const run = runCli(['colab', '--check']);
    assert.equal(run.status, 0, run.stdout + run.stderr);
  });

  it('are the chapter with a setup cell first and %%ts on every code cell', () => {
    for (const name of numberedNotebooks(NOTEBOOKS)) {
      const chapter = readCells(path.join(NOTEBOOKS, name));
      const variant = readCells(path.join(ROOT, 'colab', 'notebooks', name));
      assert.deepEqual(
        variant.slice(0, 2).map((c) => [c.cell_type, c.id]),
        [
          ['markdown', 'colab-open'],
          ['code', 'colab-setup'],
        ],
      );
      assert.equal(joined(variant[1]!.source), setupCellSource(colabSettings()));
      assert.equal(variant.length, chapter.length + 2, name);
      for (const [i, cell] of chapter.entries()) {
        const copy = variant[i + 2]!;
        assert.equal(copy.id, cell.id);
        const expected = cell.cell_type === 'code' ? `%%ts\n${joined(cell.source)}` : joined(cell.source);
        assert.equal(joined(copy.source), expected, `${name} cell ${cell.id}`);
      }
      const meta = (
        JSON.parse(fs.readFileSync(path.join(ROOT, 'colab', 'notebooks', name), 'utf8')) as {
          metadata: { kernelspec: { name: string } };
        }
      ).metadata;
      assert.equal(meta.kernelspec.name, 'python3');
    }
  });

  it('a changed chapter makes its variant stale, a removed one leaves an orphan; writing fixes both', () => {
    const { notebooksDir, colabDir } = tempColab();
    const options = { notebooksDir, colabDir, settings: SETTINGS };
    const [chapter] = fs.readdirSync(notebooksDir);
    assert.deepEqual(
      writeColabFiles(options).map((f) => [f.file, f.state]),
      [
        ['setup.ipynb', 'missing'],
        [`notebooks/${chapter}`, 'missing'],
      ],
    );
    assert.ok(colabFiles(options).every((f) => f.state === 'same'));

    const file = path.join(notebooksDir, chapter!);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"source": [', '"source": [\n    "Changed. ",'));
    fs.writeFileSync(path.join(colabDir, 'notebooks', '99_gone.ipynb'), '{}');
    assert.deepEqual(
      colabFiles(options)
        .filter((f) => f.state !== 'same')
        .map((f) => [f.file, f.state]),
      [
        [`notebooks/${chapter}`, 'changed'],
        ['notebooks/99_gone.ipynb', 'orphan'],
      ],
    );
    writeColabFiles(options);
    assert.ok(colabFiles(options).every((f) => f.state === 'same'));
    assert.ok(!fs.existsSync(path.join(colabDir, 'notebooks', '99_gone.ipynb')));
    assert.match(fs.readFileSync(path.join(colabDir, 'notebooks', chapter!), 'utf8'), /Changed\. /);
  });

  it('--repo sets that one setting: the links follow it, a bad name is refused before anything is written', () => {
    const { notebooksDir, colabDir } = tempColab();
    writeColabSettings({ repository: 'someone/actlab-fork', branch: 'spring' }, colabDir);
    assert.deepEqual(colabSettings(colabDir), { repository: 'someone/actlab-fork', branch: 'spring' });
    const chapters = fs.readdirSync(notebooksDir);
    const table = colabLinksMarkdown(colabSettings(colabDir), chapters);
    assert.equal(table.split('\n').length, 2 + 1 + chapters.length, 'header, rule, setup and a row per chapter');
    assert.ok(table.includes('github/someone/actlab-fork/blob/spring/colab/setup.ipynb'));
    assert.throws(() => writeColabSettings({ repository: 'no-slash', branch: 'main' }, colabDir), /owner\/name/);
    assert.deepEqual(colabSettings(colabDir), { repository: 'someone/actlab-fork', branch: 'spring' }, 'kept');
    const before = fs.readFileSync(path.join(ROOT, 'colab', 'settings.json'), 'utf8');
    const bad = runCli(['colab', '--repo', 'no-slash']);
    assert.equal(bad.status, 2, bad.stdout + bad.stderr);
    assert.match(bad.stderr, /colab: --repo must be the GitHub "owner\/name", got "no-slash"/);
    assert.match(runCli(['colab', '--branch', 'x']).stderr, /--branch goes with --repo OWNER\/NAME/);
    assert.equal(fs.readFileSync(path.join(ROOT, 'colab', 'settings.json'), 'utf8'), before);
  });

  it('take the repository from one setting: the setup cell clones it and the badges open it', () => {
    const { notebooksDir, colabDir } = tempColab();
    fs.writeFileSync(path.join(colabDir, 'settings.json'), JSON.stringify(SETTINGS));
    writeColabFiles({ notebooksDir, colabDir });
    const [chapter] = fs.readdirSync(notebooksDir);
    const text = fs.readFileSync(path.join(colabDir, 'notebooks', chapter!), 'utf8');
    assert.ok(text.includes(colabUrl(SETTINGS, `colab/notebooks/${chapter}`)));
    assert.ok(
      text.includes(
        'https://colab.research.google.com/github/someone/actlab-fork/blob/spring/colab/notebooks/' + chapter,
      ),
    );
    assert.match(text, /REPOSITORY, BRANCH = \\"someone\/actlab-fork\\", \\"spring\\"/);
    fs.writeFileSync(path.join(colabDir, 'settings.json'), JSON.stringify({ repository: 'no-slash', branch: 'main' }));
    assert.throws(
      () => colabSettings(colabDir),
      new Error(
        `${path.join(colabDir, 'settings.json')}: "repository" must be the GitHub "owner/name", got "no-slash"`,
      ),
    );
  });
});
