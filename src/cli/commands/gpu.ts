import { GpuSetupError, setupGpu } from '../../lib/backend';
import { type Command, parseFlags, UsageError } from '../command';

export const gpuCommand: Command = {
  name: 'gpu',
  usage: 'gpu setup [--json]',
  summary: 'install tfjs-node-gpu and, where the system has no CUDA 11, its CUDA 11/cuDNN 8 libraries for the kernel',
  async run(args) {
    const { values, positionals } = parseFlags(args, { json: { type: 'boolean' } }, 'gpu');
    if (positionals[0] !== 'setup' || positionals.length > 1) throw new UsageError(`usage: actlab ${this.usage}`);
    try {
      const result = await setupGpu({ log: values.json ? () => undefined : console.log });
      if (values.json) {
        console.log(JSON.stringify(result, null, 2));
        return 0;
      }
      if (result.libraryPath) {
        console.log(`The actlab kernel now starts with LD_LIBRARY_PATH=${result.libraryPath}`);
        console.log(`  (written into ${result.kernelSpecs.join(', ')}); restart the notebook's kernel.`);
        console.log(`For the CLI: export LD_LIBRARY_PATH=${result.libraryPath}`);
      } else {
        console.log('The system already has the CUDA 11 libraries; nothing added to the kernel environment.');
      }
      console.log('Check: npx actlab backend  (it says "on the GPU", or why it runs on the CPU)');
      return 0;
    } catch (error) {
      if (error instanceof GpuSetupError) throw new UsageError(error.message, 1);
      throw error;
    }
  },
};
