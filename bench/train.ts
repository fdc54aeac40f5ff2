/**
 * Train-step throughput (samples/s) of three small action-recognition models
 * on every tfjs backend this machine has, with and without actlab's kernel
 * packs, next to PyTorch CPU on the same models, shapes and thread count when
 * `/usr/bin/python3 -c "import torch"` works.
 *
 * Models (channels-last input, 10 classes, SGD, softmax cross-entropy):
 *   cnn2d     batch 32, [64,64,3]:   conv3×3·16 → maxpool2 → conv3×3·32 → maxpool2 → dense
 *   c3d       batch 16, [8,32,32,3]: conv3³·16 → maxpool[1,2,2] → conv3³·32 → maxpool2 → dense
 *   resnext3d batch 8,  [8,32,32,3]: stem conv3³·32 /[1,2,2] + BN → 2 ResNeXt blocks
 *             (1³·64 → grouped 3³·64, 8 groups → 1³·64, projection shortcut; the
 *             second block strides 2) → global average pool → dense
 *
 * actlab's kernels run on one thread and on ACTLAB_THREADS threads (default:
 * every core, at most 8), the same count PyTorch gets; the JSON reports the latter.
 *
 * With the oneDNN addon built (native/install.js), "actlab + oneDNN" runs the
 * onednn pack over the wasm backend, oneDNN on ACTLAB_THREADS threads.
 *
 * Run: node out/test-build/bench/train.js   (ACTLAB_BENCH_SECONDS sets the time per measurement)
 * The last line is JSON: {"cnn2d":{"actlab":x,"torch":y,"ratio":r,"setup":"actlab + oneDNN"},"c3d":{...},...}:
 * `actlab` and `ratio` are for the fastest actlab setup available, `setup` names it.
 */
import * as tf from '@tensorflow/tfjs';

// First: it captures the stock kernels before actlab's packs can replace them.
import { stockCpu, stockWasm } from '../test/helpers/stock-kernels';
import { execFileSync } from 'node:child_process';

import * as os from 'node:os';

import {
  cpuConvPack,
  loadOneDnn,
  oneDnnKernelConfigs,
  startConvThreads,
  wasmConvPack,
  wasmMemory,
} from '../src/lib/kernels';
import { ChannelBatchNorm, GlobalAveragePooling3D, GroupedConv3D } from '../src/lib/layers';

type ModelName = 'cnn2d' | 'c3d' | 'resnext3d';

interface ModelSpec {
  readonly batch: number;
  /** Input shape without the batch axis, channels-last. */
  readonly inputShape: number[];
  readonly build: () => tf.LayersModel;
}

const CLASSES = 10;
const SECONDS = Number(process.env.ACTLAB_BENCH_SECONDS ?? 4);

function cnn2d(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [64, 64, 3], filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: CLASSES }),
    ],
  });
}

function c3d(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv3d({ inputShape: [8, 32, 32, 3], filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling3d({ poolSize: [1, 2, 2] }),
      tf.layers.conv3d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling3d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: CLASSES }),
    ],
  });
}

function resnext3d(): tf.LayersModel {
  const convBn = (x: tf.SymbolicTensor, filters: number, kernel: number, stride: number | number[], groups = 1) =>
    new ChannelBatchNorm().apply(
      new GroupedConv3D({
        filters,
        kernelSize: kernel,
        strides: stride as number,
        groups,
        useBias: false,
      }).apply(x),
    ) as tf.SymbolicTensor;
  const relu = (x: tf.SymbolicTensor) => tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  const block = (x: tf.SymbolicTensor, stride: number) => {
    let y = relu(convBn(x, 64, 1, 1));
    y = relu(convBn(y, 64, 3, stride, 8));
    y = convBn(y, 64, 1, 1);
    const shortcut = convBn(x, 64, 1, stride);
    return relu(tf.layers.add().apply([y, shortcut]) as tf.SymbolicTensor);
  };
  const input = tf.input({ shape: [8, 32, 32, 3] });
  let x = relu(convBn(input, 32, 3, [1, 2, 2]));
  x = block(x, 1);
  x = block(x, 2);
  x = new GlobalAveragePooling3D().apply(x) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: CLASSES }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

const MODELS: Record<ModelName, ModelSpec> = {
  cnn2d: { batch: 32, inputShape: [64, 64, 3], build: cnn2d },
  c3d: { batch: 16, inputShape: [8, 32, 32, 3], build: c3d },
  resnext3d: { batch: 8, inputShape: [8, 32, 32, 3], build: resnext3d },
};

interface Setup {
  readonly label: string;
  readonly backend: 'cpu' | 'wasm';
  readonly kernels: () => readonly tf.KernelConfig[];
  /** Batch override for setups too slow to run the full batch in time. */
  readonly batch?: number;
  /** Threads for actlab's convolutions (1: none shared). */
  readonly threads?: number;
}

/** What initBackend would use: ACTLAB_THREADS, else every core up to 8. */
const THREADS = Number(process.env.ACTLAB_THREADS || Math.min(os.availableParallelism(), 8));
const ACTLAB_LABEL = `wasm + actlab ×${THREADS}`;

const ONEDNN_LABEL = 'actlab + oneDNN';
const oneDnn = loadOneDnn();

const SETUPS: Setup[] = [
  { label: 'stock cpu', backend: 'cpu', kernels: () => stockCpu, batch: 2 },
  { label: 'cpu + actlab', backend: 'cpu', kernels: () => cpuConvPack.kernels(), batch: 2 },
  { label: 'stock wasm', backend: 'wasm', kernels: () => stockWasm },
  { label: 'wasm + actlab ×1', backend: 'wasm', kernels: () => wasmConvPack.kernels(), threads: 1 },
  ...(THREADS > 1
    ? [{ label: ACTLAB_LABEL, backend: 'wasm', kernels: () => wasmConvPack.kernels(), threads: THREADS } as const]
    : []),
  ...(oneDnn.loaded
    ? [
        {
          label: ONEDNN_LABEL,
          backend: 'wasm',
          kernels: () => [...wasmConvPack.kernels(), ...oneDnnKernelConfigs('wasm', wasmMemory, oneDnn.addon)],
        } as const,
      ]
    : []),
];
/** The actlab setups the JSON picks the fastest of. */
const ACTLAB_SETUPS = [ACTLAB_LABEL, ONEDNN_LABEL];

/**
 * The kernels registered before any setup, for every name a setup may add
 * (undefined: none): restored before each setup so that kernels only one
 * setup has (oneDNN's grouped convolution, the fused batch norm) do not leak into the next.
 */
const baseline = new Map<string, tf.KernelConfig | undefined>();

function captureBaseline(): void {
  const names = new Set(SETUPS.flatMap((setup) => setup.kernels().map((k) => `${k.backendName}/${k.kernelName}`)));
  for (const key of names) {
    const [backendName, kernelName] = key.split('/') as [string, string];
    baseline.set(key, tf.getKernel(kernelName, backendName));
  }
}

function restoreBaseline(): void {
  for (const [key, config] of baseline) {
    const [backendName, kernelName] = key.split('/') as [string, string];
    if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
    if (config) tf.registerKernel(config);
  }
}

function install(configs: readonly tf.KernelConfig[]): void {
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
  }
}

/** Samples/s of model.trainOnBatch after one warm-up step, over about SECONDS (at least 2 steps). */
async function measure(spec: ModelSpec, batch: number): Promise<number> {
  const model = spec.build();
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
  const xs = tf.randomNormal([batch, ...spec.inputShape]);
  const ys = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, CLASSES, 'int32') as tf.Tensor1D, CLASSES));
  try {
    await model.trainOnBatch(xs, ys);
    let steps = 0;
    const start = performance.now();
    while (steps < 2 || performance.now() - start < SECONDS * 1000) {
      await model.trainOnBatch(xs, ys);
      steps++;
    }
    return (steps * batch) / ((performance.now() - start) / 1000);
  } finally {
    tf.dispose([xs, ys]);
    model.dispose();
  }
}

const TORCH_SCRIPT = String.raw`
import json, sys, time, torch, torch.nn as nn
threads, seconds = int(sys.argv[1]), float(sys.argv[2])
torch.set_num_threads(threads)
torch.manual_seed(0)
def cnn2d():
    return nn.Sequential(nn.Conv2d(3,16,3,padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16,32,3,padding=1), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32*16*16,10))
def c3d():
    return nn.Sequential(nn.Conv3d(3,16,3,padding=1), nn.ReLU(), nn.MaxPool3d((1,2,2)), nn.Conv3d(16,32,3,padding=1), nn.ReLU(),
                         nn.MaxPool3d(2), nn.Flatten(), nn.Linear(32*4*8*8,10))
def conv_bn(cin, cout, k, stride, groups=1):
    return nn.Sequential(nn.Conv3d(cin, cout, k, stride, padding=k//2, groups=groups, bias=False), nn.BatchNorm3d(cout, momentum=0.01, eps=1e-3))
class Block(nn.Module):
    def __init__(self, cin, stride):
        super().__init__()
        self.body = nn.Sequential(conv_bn(cin,64,1,1), nn.ReLU(), conv_bn(64,64,3,stride,8), nn.ReLU(), conv_bn(64,64,1,1))
        self.short = conv_bn(cin,64,1,stride)
    def forward(self, x):
        return torch.relu(self.body(x) + self.short(x))
def resnext3d():
    return nn.Sequential(conv_bn(3,32,3,(1,2,2)), nn.ReLU(), Block(32,1), Block(64,2), nn.AdaptiveAvgPool3d(1), nn.Flatten(), nn.Linear(64,10))
specs = {'cnn2d': (cnn2d, 32, (3,64,64)), 'c3d': (c3d, 16, (3,8,32,32)), 'resnext3d': (resnext3d, 8, (3,8,32,32))}
out = {}
for name, (build, batch, shape) in specs.items():
    model = build(); opt = torch.optim.SGD(model.parameters(), lr=0.01); loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(batch, *shape); y = torch.randint(0, 10, (batch,))
    def step():
        opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    step(); steps = 0; start = time.perf_counter()
    while steps < 2 or time.perf_counter() - start < seconds:
        step(); steps += 1
    out[name] = steps * batch / (time.perf_counter() - start)
print(json.dumps(out))
`;

/** PyTorch CPU samples/s per model, or null when torch is not importable. */
function torchAnchor(threads: number): Record<ModelName, number> | null {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const stdout = execFileSync('/usr/bin/python3', ['-c', TORCH_SCRIPT, String(threads), String(SECONDS)], {
    encoding: 'utf8',
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<ModelName, number>;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 120);
}

async function main(): Promise<void> {
  await tf.setBackend('wasm'); // start wasm with its stock kernels registered, so their setup runs
  await tf.ready();
  captureBaseline();
  if (!oneDnn.loaded) console.log(`${ONEDNN_LABEL}: skipped (${oneDnn.reason})`);
  const actlab: Partial<Record<ModelName, { rate: number; setup: string }>> = {};
  for (const name of Object.keys(MODELS) as ModelName[]) {
    const spec = MODELS[name];
    for (const setup of SETUPS) {
      restoreBaseline();
      install(setup.kernels());
      await tf.setBackend(setup.backend);
      await startConvThreads({ threads: setup.threads ?? 1 });
      const batch = setup.batch ?? spec.batch;
      const note = batch === spec.batch ? '' : ` (batch ${batch})`;
      try {
        const rate = await measure(spec, batch);
        console.log(`${name.padEnd(10)} ${setup.label.padEnd(17)} ${rate.toFixed(1).padStart(7)} samples/s${note}`);
        const best = actlab[name];
        if (ACTLAB_SETUPS.includes(setup.label) && (!best || rate > best.rate)) {
          actlab[name] = { rate, setup: setup.label };
        }
      } catch (error) {
        console.log(`${name.padEnd(10)} ${setup.label.padEnd(17)}   fails: ${firstLine(error)}`);
      }
    }
  }
  await startConvThreads({ threads: 1 }); // the anchor gets the cores to itself
  const torch2 = torchAnchor(THREADS);
  const torch1 = torch2 ? torchAnchor(1) : null;
  // The anchor is the better of 1 and THREADS threads: on a shared 2-core machine
  // the 2-thread run is often the slower one, and a low anchor would flatter actlab.
  let torch: Record<ModelName, number> | null = null;
  if (torch2 && torch1) {
    torch = { ...torch2 };
    for (const name of Object.keys(MODELS) as ModelName[]) {
      torch[name] = Math.max(torch1[name], torch2[name]);
      console.log(
        `${name.padEnd(10)} torch cpu         ${torch[name].toFixed(1).padStart(7)} samples/s (best of ${THREADS} threads: ${torch2[name].toFixed(1)}, 1 thread: ${torch1[name].toFixed(1)})`,
      );
    }
  } else {
    console.log('torch: /usr/bin/python3 cannot import torch; anchor skipped (apt-get install -y python3-torch)');
  }
  const summary: Record<
    string,
    { actlab: number | null; torch: number | null; ratio: number | null; setup: string | null }
  > = {};
  for (const name of Object.keys(MODELS) as ModelName[]) {
    const a = actlab[name]?.rate ?? null;
    const t = torch?.[name] ?? null;
    const round = (v: number | null, digits: number) => (v === null ? null : Number(v.toFixed(digits)));
    summary[name] = {
      actlab: round(a, 1),
      torch: round(t, 1),
      ratio: a !== null && t !== null ? round(a / t, 3) : null,
      setup: actlab[name]?.setup ?? null,
    };
  }
  console.log(JSON.stringify(summary));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
