import { initBackend } from '../../lib/backend';
import { type Command, parseFlags } from '../command';

export const backendCommand: Command = {
  name: 'backend',
  usage: 'backend [--json]',
  summary: 'start the fastest TensorFlow.js backend and say which (ACTLAB_BACKEND forces one)',
  async run(args) {
    const { values } = parseFlags(args, { json: { type: 'boolean' } }, 'backend');
    const info = await initBackend({ log: values.json ? null : console.log });
    if (values.json) console.log(JSON.stringify(info, null, 2));
    return 0;
  },
};
