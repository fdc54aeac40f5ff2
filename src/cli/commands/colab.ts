import * as fs from 'node:fs';
import * as path from 'node:path';

import { colabFiles, colabLinksMarkdown, colabSettings, NOTEBOOK_PATTERN, writeColabFiles } from '../../lib/jupyter';
import { packageRoot } from '../../lib/util/package-root';
import { type Command, parseFlags, UsageError } from '../command';

export const colabCommand: Command = {
  name: 'colab',
  usage: 'colab [--check] [--links]',
  summary: 'write colab/setup.ipynb and the Colab/Kaggle variants of the chapters (--check: list stale ones)',
  async run(args) {
    const { values, positionals } = parseFlags(
      args,
      { check: { type: 'boolean' }, links: { type: 'boolean' } },
      'colab',
    );
    if (positionals.length > 0) throw new UsageError(`usage: actlab ${this.usage}`);
    if (values.links) {
      const chapters = fs.readdirSync(path.join(packageRoot(), 'notebooks')).filter((n) => NOTEBOOK_PATTERN.test(n));
      console.log(colabLinksMarkdown(colabSettings(), chapters.sort()));
      return 0;
    }
    if (values.check) {
      const stale = colabFiles().filter((f) => f.state !== 'same');
      for (const f of stale) console.log(`colab/${f.file}: ${f.state}`);
      if (stale.length > 0) {
        console.log(`${stale.length} Colab file(s) out of date with notebooks/: run npx actlab colab`);
        return 1;
      }
      console.log('colab/ is up to date with notebooks/');
      return 0;
    }
    const touched = writeColabFiles();
    for (const f of touched) console.log(`colab/${f.file}: ${f.state === 'orphan' ? 'removed' : 'written'}`);
    console.log(touched.length > 0 ? `${touched.length} file(s) updated` : 'colab/ was already up to date');
    return 0;
  },
};
