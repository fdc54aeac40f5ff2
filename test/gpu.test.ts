/**
 * `actlab gpu setup`: the one-line refusal without a GPU, which CUDA 11 wheels
 * it picks, the library path it writes into the kernel spec, and the measured
 * GPU/CPU placement of tfjs-node-gpu.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import {
  CUDA11_LIBRARIES,
  detectNvidiaGpu,
  ldLibraryPath,
  measureGpuPlacement,
  missingLibraries,
  setupGpu,
  systemLibraryDirs,
  wheelLibraryDirs,
  wheelsFor,
} from '../src/lib/backend';
import { installKernelSpec } from '../src/lib/jupyter';
import { ROOT, runCli } from './helpers/cli';

function temp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `actlab-${prefix}-`));
}

/** A folder holding empty files with these names. */
function libDir(names: readonly string[]): string {
  const dir = temp('libs');
  for (const name of names) fs.writeFileSync(path.join(dir, name), '');
  return dir;
}

/** What `pip install --target` leaves for the nvidia wheels: nvidia/<name>/lib/<soname>. */
function fakeWheels(target: string, libraries = CUDA11_LIBRARIES): void {
  for (const lib of libraries) {
    const name = lib.wheel.replace(/^nvidia-/, '').replace(/-cu11.*$/, '');
    fs.mkdirSync(path.join(target, 'nvidia', name, 'lib'), { recursive: true });
    fs.writeFileSync(path.join(target, 'nvidia', name, 'lib', lib.soname), '');
  }
  fs.writeFileSync(path.join(target, 'nvidia', '__init__.py'), '');
}

const ALL_SONAMES = CUDA11_LIBRARIES.map((l) => l.soname);

describe('actlab gpu setup', () => {
  it('without a GPU exits 1 with one line naming what is missing', (t) => {
    if (detectNvidiaGpu().found) return t.skip('this machine has an NVIDIA GPU');
    const run = runCli(['gpu', 'setup']);
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(
      run.stderr.trim(),
      /^actlab: gpu setup: no NVIDIA GPU driver: \/proc\/driver\/nvidia\/version does not exist and nvidia-smi is not on PATH; @tensorflow\/tfjs-node-gpu needs an NVIDIA GPU and its driver/,
    );
  });

  it('picks the wheels of the missing CUDA 11 libraries only, each wheel once', () => {
    const cuda12 = libDir(['libcudart.so.12', 'libcublas.so.12', 'libcudnn.so.9']);
    assert.deepEqual(
      missingLibraries([cuda12]).map((l) => l.soname),
      ALL_SONAMES,
    );
    assert.deepEqual(wheelsFor(missingLibraries([cuda12])), [
      'nvidia-cuda-runtime-cu11==11.8.89',
      'nvidia-cublas-cu11==11.11.3.6',
      'nvidia-cufft-cu11==10.9.0.58',
      'nvidia-curand-cu11==10.3.0.86',
      'nvidia-cusolver-cu11==11.4.1.48',
      'nvidia-cusparse-cu11==11.7.5.86',
      'nvidia-cudnn-cu11==8.7.0.84',
    ]);
    const cuda11NoCudnn = libDir(ALL_SONAMES.filter((s) => s !== 'libcudnn.so.8'));
    assert.deepEqual(wheelsFor(missingLibraries([cuda12, cuda11NoCudnn])), ['nvidia-cudnn-cu11==8.7.0.84']);
    assert.deepEqual(wheelsFor(missingLibraries([libDir(ALL_SONAMES)])), []);
  });

  it('finds the wheels’ lib folders and builds LD_LIBRARY_PATH ahead of the existing one', () => {
    const target = temp('target');
    assert.deepEqual(wheelLibraryDirs(target), []);
    fakeWheels(target);
    const dirs = wheelLibraryDirs(target);
    assert.deepEqual(
      dirs.map((d) => path.relative(target, d)),
      ['cublas', 'cuda-runtime', 'cudnn', 'cufft', 'curand', 'cusolver', 'cusparse'].map((n) =>
        path.join('nvidia', n, 'lib'),
      ),
    );
    assert.deepEqual(missingLibraries(dirs), []);
    assert.equal(ldLibraryPath(['/a', '/b'], '/usr/lib64-nvidia::/a'), '/a:/b:/usr/lib64-nvidia');
    assert.equal(ldLibraryPath(['/a'], undefined), '/a');
  });

  it('searches LD_LIBRARY_PATH and the ldconfig cache', () => {
    const ldconfig =
      "3 libs found in cache `/etc/ld.so.cache'\n" +
      '\tlibcudart.so.11.0 (libc6,x86-64) => /usr/local/cuda-11.8/lib64/libcudart.so.11.0\n' +
      '\tlibz.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libz.so.1\n';
    const dirs = systemLibraryDirs({ LD_LIBRARY_PATH: '/opt/one:/opt/two' }, ldconfig);
    assert.deepEqual(dirs.slice(0, 4), ['/opt/one', '/opt/two', '/usr/local/cuda-11.8/lib64', '/lib/x86_64-linux-gnu']);
  });

  it('installs the missing wheels and writes their folders into the kernel spec’s LD_LIBRARY_PATH', async (t) => {
    const env = { LD_LIBRARY_PATH: '/usr/lib64-nvidia' };
    const systemMissing = missingLibraries(systemLibraryDirs(env));
    if (systemMissing.length < CUDA11_LIBRARIES.length) return t.skip('this machine has some CUDA 11 libraries');
    const root = temp('root');
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'));
    const userData = temp('userdata');
    const saved = process.env.JUPYTER_DATA_DIR;
    process.env.JUPYTER_DATA_DIR = userData;
    const calls: string[][] = [];
    try {
      const result = await setupGpu({
        root,
        env,
        python: 'python3.x',
        log: () => undefined,
        detectGpu: () => ({ found: true, detail: 'Tesla T4, 535.104.05' }),
        exec: (command, args) => {
          calls.push([command, ...args]);
          if (args.includes('--target')) fakeWheels(args[args.indexOf('--target') + 1]!);
          return 0;
        },
      });
      const target = path.join(root, '.actlab', 'cuda11');
      assert.deepEqual(calls, [
        ['npm', 'install', '--no-save', '--no-audit', '--no-fund', '@tensorflow/tfjs-node-gpu@4.22.0'],
        ['python3.x', '-m', 'pip', 'install', '--quiet', '--no-deps', '--target', target, ...wheelsFor(systemMissing)],
      ]);
      const expected = [...wheelLibraryDirs(target), '/usr/lib64-nvidia'].join(':');
      assert.equal(result.libraryPath, expected);
      const specFile = path.join(root, '.jupyter', 'share', 'jupyter', 'kernels', 'actlab', 'kernel.json');
      assert.deepEqual(result.kernelSpecs, [specFile]); // no user-wide spec existed, so none was written
      const spec = JSON.parse(fs.readFileSync(specFile, 'utf8')) as { env?: Record<string, string> };
      assert.equal(spec.env?.LD_LIBRARY_PATH, expected);
      // The runner rewrites the spec before every run: the library path must survive that.
      const again = installKernelSpec({ root });
      assert.equal(again.spec.env?.LD_LIBRARY_PATH, expected);
      assert.ok(!fs.existsSync(path.join(userData, 'kernels')));
    } finally {
      if (saved === undefined) delete process.env.JUPYTER_DATA_DIR;
      else process.env.JUPYTER_DATA_DIR = saved;
    }
  });
});

describe('GPU placement as measured', () => {
  it('says GPU only when TensorFlow lists a GPU device, else names the missing libraries', () => {
    assert.deepEqual(
      measureGpuPlacement({ isUsingGpuDevice: true }, () => []),
      { gpu: true, note: '' },
    );
    const cudnn = CUDA11_LIBRARIES.filter((l) => l.soname === 'libcudnn.so.8');
    assert.deepEqual(
      measureGpuPlacement({ isUsingGpuDevice: false }, () => cudnn),
      {
        gpu: false,
        note: 'tfjs-node-gpu runs on the CPU, not the GPU: libcudnn.so.8 (cuDNN 8) not found; run npx actlab gpu setup',
      },
    );
    assert.match(measureGpuPlacement({}, () => []).note, /TensorFlow sees no GPU device/);
  });
});
