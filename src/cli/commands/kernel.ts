import * as path from 'node:path';

import { installKernelSpec } from '../../lib/jupyter';
import { type Command, parseFlags, UsageError } from '../command';

export const kernelCommand: Command = {
  name: 'kernel',
  usage: 'kernel install [--user | --prefix DIR] [--json]',
  summary: 'register the "actlab" Jupyter kernel (project-local, or --user for every Jupyter of this user)',
  help: [
    "--user        into this user's Jupyter data folder (every Jupyter of this user sees it)",
    '--prefix DIR  into DIR/share/jupyter, as `jupyter kernelspec install --prefix`: DIR is sys.prefix',
    '              of the Jupyter that should see it (a JupyterHub image: /opt/conda)',
    '--json        print what was installed as JSON',
  ].join('\n'),
  async run(args) {
    const { values, positionals } = parseFlags(
      args,
      { user: { type: 'boolean' }, prefix: { type: 'string' }, json: { type: 'boolean' } },
      'kernel',
    );
    if (positionals[0] !== 'install' || positionals.length > 1) {
      throw new UsageError(`usage: actlab ${this.usage}`);
    }
    if (values.user && values.prefix) throw new UsageError('kernel install: give --user or --prefix, not both');
    const jupyterPath = values.prefix ? path.join(path.resolve(values.prefix), 'share', 'jupyter') : undefined;
    const installed = installKernelSpec({ user: values.user, jupyterPath });
    if (values.json) {
      console.log(JSON.stringify(installed, null, 2));
      return 0;
    }
    console.log(`Installed Jupyter kernel "actlab" (TypeScript (actlab)) in ${installed.dir}`);
    if (values.user || values.prefix) {
      console.log(
        `Every Jupyter ${values.user ? 'run by this user' : `of ${values.prefix}`} can now pick "TypeScript (actlab)".`,
      );
      return 0;
    }
    console.log('It is project-local: npm run tutorial finds it by itself. To use it from your own Jupyter:');
    console.log(`  JUPYTER_PATH=${installed.jupyterPath} jupyter lab`);
    console.log('or register it user-wide (every Jupyter of this user sees it):');
    console.log('  npx actlab kernel install --user');
    console.log(`  (the same as: jupyter kernelspec install --user --name actlab ${installed.dir})`);
    return 0;
  },
};
