import { installKernelSpec } from '../../lib/jupyter';
import { type Command, parseFlags, UsageError } from '../command';

export const kernelCommand: Command = {
  name: 'kernel',
  usage: 'kernel install [--user] [--json]',
  summary: 'register the "actlab" Jupyter kernel (project-local, or --user for every Jupyter of this user)',
  async run(args) {
    const { values, positionals } = parseFlags(
      args,
      { user: { type: 'boolean' }, json: { type: 'boolean' } },
      'kernel',
    );
    if (positionals[0] !== 'install' || positionals.length > 1) {
      throw new UsageError(`usage: actlab ${this.usage}`);
    }
    const installed = installKernelSpec({ user: values.user });
    if (values.json) {
      console.log(JSON.stringify(installed, null, 2));
      return 0;
    }
    console.log(`Installed Jupyter kernel "actlab" (TypeScript (actlab)) in ${installed.dir}`);
    if (values.user) {
      console.log('Every Jupyter run by this user can now pick "TypeScript (actlab)".');
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
