import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  COLAB_LINKS_END,
  COLAB_LINKS_START,
  colabFiles,
  colabLinksMarkdown,
  colabSettings,
  NOTEBOOK_PATTERN,
  writeColabFiles,
  writeColabSettings,
} from '../../lib/jupyter';
import { readMarkedBlock, writeMarkedBlock } from '../../lib/util/markdown-table';
import { packageRoot } from '../../lib/util/package-root';
import { type Command, parseFlags, UsageError } from '../command';

/** The page whose "Open in Colab" table `actlab colab` writes. */
const LINKS_PAGE = path.join('docs', 'platforms.md');

export const colabCommand: Command = {
  name: 'colab',
  usage: 'colab [--check] [--links] [--repo OWNER/NAME [--branch B]]',
  summary:
    'write colab/setup.ipynb, the Colab/Kaggle variants of the chapters and the Colab links of docs/platforms.md ' +
    '(--check: list stale ones)',
  help: [
    '--check             list what is out of date with notebooks/ and colab/settings.json; exit 1 if anything is',
    '--links             print the "Open in Colab" table',
    '--repo OWNER/NAME   set the GitHub repository every Colab link and clone uses (colab/settings.json), then',
    '                    write everything again; --branch B sets the branch (default: the one set, else main)',
    'Example: actlab colab --repo my-org/actlab',
  ].join('\n'),
  async run(args) {
    const { values, positionals } = parseFlags(
      args,
      { check: { type: 'boolean' }, links: { type: 'boolean' }, repo: { type: 'string' }, branch: { type: 'string' } },
      'colab',
    );
    if (positionals.length > 0) throw new UsageError(`usage: actlab ${this.usage}`);
    if (values.branch && !values.repo) throw new UsageError('colab: --branch goes with --repo OWNER/NAME');
    const root = packageRoot();
    const chapters = fs
      .readdirSync(path.join(root, 'notebooks'))
      .filter((n) => NOTEBOOK_PATTERN.test(n))
      .sort();
    if (values.repo) {
      const branch = values.branch ?? colabSettings().branch;
      try {
        writeColabSettings({ repository: values.repo, branch });
      } catch (error) {
        throw new UsageError((error as Error).message.replace(/^.*?: "repository"/, 'colab: --repo'));
      }
      console.log(`colab/settings.json: ${values.repo} (branch ${branch})`);
    }
    const links = colabLinksMarkdown(colabSettings(), chapters);
    if (values.links) {
      console.log(links);
      return 0;
    }
    const page = path.join(root, LINKS_PAGE);
    const pageStale = fs.existsSync(page) && readMarkedBlock(page, COLAB_LINKS_START, COLAB_LINKS_END) !== links;
    if (values.check) {
      const stale = colabFiles().filter((f) => f.state !== 'same');
      for (const f of stale) console.log(`colab/${f.file}: ${f.state}`);
      if (pageStale) console.log(`${LINKS_PAGE}: its Colab links differ`);
      if (stale.length > 0 || pageStale) {
        console.log(`${stale.length + (pageStale ? 1 : 0)} file(s) out of date with notebooks/: run npx actlab colab`);
        return 1;
      }
      console.log('colab/ and the Colab links are up to date with notebooks/');
      return 0;
    }
    const touched = writeColabFiles();
    for (const f of touched) console.log(`colab/${f.file}: ${f.state === 'orphan' ? 'removed' : 'written'}`);
    if (pageStale) {
      writeMarkedBlock(page, COLAB_LINKS_START, COLAB_LINKS_END, links);
      console.log(`${LINKS_PAGE}: Colab links written`);
    }
    const count = touched.length + (pageStale ? 1 : 0);
    console.log(count > 0 ? `${count} file(s) updated` : 'colab/ was already up to date');
    return 0;
  },
};
