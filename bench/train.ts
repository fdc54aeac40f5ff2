/**
 * Train-step throughput (samples/s) of small action-recognition models
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
 * and the library's own builders at the clip size students train at (16×112×112 RGB),
 * SGD and softmax cross-entropy too:
 *   cnn2d-112     batch 32, [112,112,3]:      models.cnn2d (3 × conv3×3·16/32/64 → BN → ReLU →
 *                 maxpool2, global average pool, dropout 0.25, dense)
 *   c3d-half-112  batch 4,  [16,112,112,3]:   models.c3d at width 0.5, half the paper's filters
 *                 (conv3³ 32, 64, 128×2, 256×2, 256×2; pools [1,2,2] then 2³; dense 2048,
 *                 2048 with dropout 0.5; no BN)
 *   resnext3d-112 batch 8,  [16,112,112,3]:   models.resnext3dTiny (stem conv3³·16 /2 + BN,
 *                 4 basic blocks of 16, 32, 64, 128 filters, 4 groups, the last three
 *                 striding 2 with a projection shortcut; global average pool, dense)
 * A step of these takes seconds, so they run only the actlab setups the JSON reports (the
 * stock backends would take minutes a step; c3d-half-112 only the fastest, as wasm + actlab
 * takes 40 s a step there) and time at least 3 steps after the warm-up (see measure). The
 * half-width C3D's batch of 4 (20 GFLOP forward a clip) keeps its row near a minute a side.
 * Each PyTorch twin must have as many trainable parameters as its tfjs model: the
 * script checks that before timing anything and stops if they differ.
 *
 * actlab's kernels run on one thread and on ACTLAB_THREADS threads (default:
 * every core, at most 8), the same count PyTorch gets; the JSON reports the latter.
 *
 * With the oneDNN addon built (native/install.js), "actlab + oneDNN" runs the
 * onednn pack over the wasm backend, oneDNN on ACTLAB_THREADS threads.
 *
 * Run: node out/test-build/bench/train.js   (ACTLAB_BENCH_SECONDS sets the time per measurement,
 * ACTLAB_BENCH_MODELS=c3d-half-112,resnext3d-112 runs only the models named, ACTLAB_BENCH_ROUNDS=3
 * times the fastest actlab setup and PyTorch again in rounds 2 and 3, alternating, and keeps each
 * side's best: on a shared machine one pass of each was seen to swing the ratio from 0.8 to 2.0)
 * The last line is JSON: {"cnn2d":{"actlab":x,"torch":y,"ratio":r,"setup":"actlab + oneDNN"},"c3d":{...},...}:
 * `actlab` and `ratio` are for the fastest actlab setup available, `setup` names it;
 * one key per model above, "cnn2d-112", "c3d-half-112" and "resnext3d-112" included.
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
import * as models from '../src/lib/models';

type ModelName = 'cnn2d' | 'c3d' | 'resnext3d' | 'cnn2d-112' | 'c3d-half-112' | 'resnext3d-112';

interface ModelSpec {
  readonly batch: number;
  /** Input shape without the batch axis, channels-last. */
  readonly inputShape: number[];
  readonly build: () => tf.LayersModel;
  /** The setups (labels) to run; the rest are listed as not run. @default every setup */
  readonly setups?: readonly string[];
  /** Steps timed after the warm-up, at the least (on both sides). @default 2 */
  readonly minSteps?: number;
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

/** The clips students train at: 16 RGB frames of 112×112 (the C3D and ResNeXt papers' input). */
const CLIP_112 = [16, 112, 112, 3];
/**
 * "Half width" C3D: `width` multiplies the paper's filters (1 is the paper's model), so
 * this is half the paper's C3D. Nothing earlier in the project defined the term; the
 * tutorial's c3dSmall is 0.125.
 */
const C3D_HALF_WIDTH = 0.5;

const MODELS: Record<ModelName, ModelSpec> = {
  cnn2d: { batch: 32, inputShape: [64, 64, 3], build: cnn2d },
  c3d: { batch: 16, inputShape: [8, 32, 32, 3], build: c3d },
  resnext3d: { batch: 8, inputShape: [8, 32, 32, 3], build: resnext3d },
  'cnn2d-112': {
    batch: 32,
    inputShape: [112, 112, 3],
    build: () => models.cnn2d({ inputShape: [112, 112, 3], numClasses: CLASSES }),
    setups: ACTLAB_SETUPS,
    minSteps: 3,
  },
  'c3d-half-112': {
    batch: 4,
    inputShape: CLIP_112,
    build: () => models.c3d({ inputShape: CLIP_112, numClasses: CLASSES, width: C3D_HALF_WIDTH }),
    // wasm + actlab took 40 s a step here (0.1 samples/s against oneDNN's 0.6): only without oneDNN.
    setups: [oneDnn.loaded ? ONEDNN_LABEL : ACTLAB_LABEL],
    minSteps: 3,
  },
  'resnext3d-112': {
    batch: 8,
    inputShape: CLIP_112,
    build: () => models.resnext3dTiny({ inputShape: CLIP_112, numClasses: CLASSES }),
    setups: ACTLAB_SETUPS,
    minSteps: 3,
  },
};
const MODEL_NAMES = Object.keys(MODELS) as ModelName[];
/** ACTLAB_BENCH_MODELS (comma-separated names) runs only those models; the JSON then has only their keys. */
const SELECTED = selectModels(process.env.ACTLAB_BENCH_MODELS);
const NAME_WIDTH = Math.max(...MODEL_NAMES.map((name) => name.length));

function selectModels(list: string | undefined): ModelName[] {
  if (!list) return MODEL_NAMES;
  const names = list.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !MODEL_NAMES.includes(name as ModelName));
  if (unknown.length > 0) {
    throw new Error(
      `ACTLAB_BENCH_MODELS: unknown model ${unknown.join(', ')}; the models are ${MODEL_NAMES.join(', ')}`,
    );
  }
  return names as ModelName[];
}

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

/**
 * Samples/s of model.trainOnBatch after one warm-up step, over about SECONDS and at least
 * spec.minSteps steps. A 112×112 clip step takes seconds, so there it is the mean of a few
 * steps (3) after the warm-up, which has already run every kernel at its size: on a
 * shared machine one step alone can be off by twice, three keep the time to under a minute.
 */
async function measure(spec: ModelSpec, batch: number): Promise<number> {
  const model = spec.build();
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
  const xs = tf.randomNormal([batch, ...spec.inputShape]);
  const ys = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, CLASSES, 'int32') as tf.Tensor1D, CLASSES));
  const minSteps = spec.minSteps ?? 2;
  try {
    await model.trainOnBatch(xs, ys);
    let steps = 0;
    const start = performance.now();
    while (steps < minSteps || performance.now() - start < SECONDS * 1000) {
      await model.trainOnBatch(xs, ys);
      steps++;
    }
    return (steps * batch) / ((performance.now() - start) / 1000);
  } finally {
    tf.dispose([xs, ys]);
    model.dispose();
  }
}

/** Trainable parameters of the model as tfjs builds it (batch-norm moving statistics excluded, as PyTorch's buffers are). */
function trainableParams(spec: ModelSpec): number {
  const model = spec.build();
  try {
    return model.trainableWeights.reduce((sum, w) => sum + w.read().size, 0);
  } finally {
    model.dispose();
  }
}

/**
 * argv: threads, seconds, {model: {"params": trainable parameters in tfjs, "batch": n,
 * "minSteps": n}} as JSON (the models to run), and "check" (stop after comparing parameters) or "time".
 * Prints {"rate": samples/s per model, "params": trainable parameters per model}.
 */
const TORCH_SCRIPT = String.raw`
import json, sys, time, torch, torch.nn as nn
threads, seconds, tfjs, mode = int(sys.argv[1]), float(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4]
torch.set_num_threads(threads)
torch.manual_seed(0)
def cnn2d():
    return nn.Sequential(nn.Conv2d(3,16,3,padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16,32,3,padding=1), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32*16*16,10))
def c3d():
    return nn.Sequential(nn.Conv3d(3,16,3,padding=1), nn.ReLU(), nn.MaxPool3d((1,2,2)), nn.Conv3d(16,32,3,padding=1), nn.ReLU(),
                         nn.MaxPool3d(2), nn.Flatten(), nn.Linear(32*4*8*8,10))
def conv_bn(cin, cout, k, stride, groups=1, momentum=0.01):
    return nn.Sequential(nn.Conv3d(cin, cout, k, stride, padding=k//2, groups=groups, bias=False), nn.BatchNorm3d(cout, momentum=momentum, eps=1e-3))
class Block(nn.Module):
    def __init__(self, cin, stride):
        super().__init__()
        self.body = nn.Sequential(conv_bn(cin,64,1,1), nn.ReLU(), conv_bn(64,64,3,stride,8), nn.ReLU(), conv_bn(64,64,1,1))
        self.short = conv_bn(cin,64,1,stride)
    def forward(self, x):
        return torch.relu(self.body(x) + self.short(x))
def resnext3d():
    return nn.Sequential(conv_bn(3,32,3,(1,2,2)), nn.ReLU(), Block(32,1), Block(64,2), nn.AdaptiveAvgPool3d(1), nn.Flatten(), nn.Linear(64,10))
# models.cnn2d defaults: 3 × (conv3×3 no bias → BN (tf momentum 0.99) → ReLU → maxpool2), GAP, dropout 0.25, dense.
def cnn2d_112():
    layers, cin = [], 3
    for cout in (16, 32, 64):
        layers += [nn.Conv2d(cin,cout,3,padding=1,bias=False), nn.BatchNorm2d(cout,momentum=0.01,eps=1e-3), nn.ReLU(), nn.MaxPool2d(2)]
        cin = cout
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.25), nn.Linear(64,10))
# models.c3d, width 0.5: conv3³ (bias, ReLU) per stage, pools [1,2,2] then 2³ (floor: 16×112² → 1×3²),
# dense 2048 → dropout 0.5 → dense 2048 → dropout 0.5 → dense; no BN.
def c3d_half_112():
    layers, cin = [], 3
    for stage, (cout, convs) in enumerate(zip((32,64,128,256,256), (1,1,2,2,2))):
        for _ in range(convs):
            layers += [nn.Conv3d(cin,cout,3,padding=1), nn.ReLU()]
            cin = cout
        layers.append(nn.MaxPool3d((1,2,2) if stage == 0 else 2))
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(256*3*3,2048), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(2048,2048), nn.ReLU(), nn.Dropout(0.5), nn.Linear(2048,10))
# models.resnext3dTiny: basic blocks (grouped conv3³ /s → BN → ReLU → conv3³ → BN, ⊕ shortcut, ReLU);
# ChannelBatchNorm's momentum 0.9 is PyTorch's 0.1.
class Basic(nn.Module):
    def __init__(self, cin, cout, stride, groups):
        super().__init__()
        self.body = nn.Sequential(conv_bn(cin,cout,3,stride,groups,0.1), nn.ReLU(), conv_bn(cout,cout,3,1,1,0.1))
        self.short = nn.Identity() if stride == 1 and cin == cout else conv_bn(cin,cout,1,stride,1,0.1)
    def forward(self, x):
        return torch.relu(self.body(x) + self.short(x))
def resnext3d_112():
    return nn.Sequential(conv_bn(3,16,3,2,1,0.1), nn.ReLU(), Basic(16,16,1,4), Basic(16,32,2,4), Basic(32,64,2,4),
                         Basic(64,128,2,4), nn.AdaptiveAvgPool3d(1), nn.Flatten(), nn.Linear(128,10))
# Channels-first inputs; the batches come from the tfjs side.
specs = {'cnn2d': (cnn2d, (3,64,64)), 'c3d': (c3d, (3,8,32,32)), 'resnext3d': (resnext3d, (3,8,32,32)),
         'cnn2d-112': (cnn2d_112, (3,112,112)), 'c3d-half-112': (c3d_half_112, (3,16,112,112)),
         'resnext3d-112': (resnext3d_112, (3,16,112,112))}
specs = {name: specs[name] for name in tfjs}
params = {name: sum(p.numel() for p in build().parameters()) for name, (build, _) in specs.items()}
wrong = [f"{name}: tfjs {tfjs[name]['params']}, torch {params[name]}" for name in specs if params[name] != tfjs[name]['params']]
if wrong:
    sys.exit('the PyTorch twins differ from the tfjs models in trainable parameters: ' + '; '.join(wrong))
if mode == 'check':
    print(json.dumps({'rate': {}, 'params': params}))
    sys.exit(0)
rate = {}
for name, (build, shape) in specs.items():
    batch, min_steps = tfjs[name]['batch'], tfjs[name]['minSteps']; model = build(); opt = torch.optim.SGD(model.parameters(), lr=0.01); loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(batch, *shape); y = torch.randint(0, 10, (batch,))
    def step():
        opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    step(); steps = 0; start = time.perf_counter()
    while steps < min_steps or time.perf_counter() - start < seconds:
        step(); steps += 1
    rate[name] = steps * batch / (time.perf_counter() - start)
print(json.dumps({'rate': rate, 'params': params}))
`;

interface TorchRun {
  readonly rate: Record<ModelName, number>;
  readonly params: Record<ModelName, number>;
}

function torchImports(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * TORCH_SCRIPT on `threads` threads over the SELECTED models ("check": compare parameters
 * only). Throws the script's message when a twin's trainable parameters differ from `params`.
 */
function runTorch(threads: number, params: Record<ModelName, number>, mode: 'check' | 'time'): TorchRun {
  const twins = Object.fromEntries(
    SELECTED.map((name) => {
      const { batch, minSteps = 2 } = MODELS[name];
      return [name, { params: params[name], batch, minSteps }];
    }),
  );
  const args = ['-c', TORCH_SCRIPT, String(threads), String(SECONDS), JSON.stringify(twins), mode];
  let stdout: string;
  try {
    stdout = execFileSync('/usr/bin/python3', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`the PyTorch anchor failed: ${stderr.split('\n').pop() || firstLine(error)}`, {
      cause: error,
    });
  }
  return JSON.parse(stdout.trim().split('\n').pop()!) as TorchRun;
}

/** Samples/s to one decimal, or to 3 significant digits below 10 (a 112×112 clip model's 0.6). */
function fmt(rate: number): string {
  return rate < 10 ? rate.toPrecision(3) : rate.toFixed(1);
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 120);
}

/** Rounds of timing: each round after the first times the fastest actlab setup and the anchor again. */
const ROUNDS = Math.max(1, Math.floor(Number(process.env.ACTLAB_BENCH_ROUNDS ?? 1)) || 1);

type Rates = Partial<Record<ModelName, { rate: number; setup: string }>>;

/** Times `setups` on each selected model (those a model skips are listed once); keeps the best actlab rate in `best`. */
async function timeSetups(setups: readonly Setup[], best: Rates, firstRound: boolean): Promise<void> {
  for (const name of SELECTED) {
    const spec = MODELS[name];
    const skipped = setups.filter((setup) => spec.setups && !spec.setups.includes(setup.label));
    if (skipped.length > 0 && firstRound) {
      const labels = skipped.map((setup) => setup.label).join(', ');
      console.log(`${name.padEnd(NAME_WIDTH)} not run at this size (seconds to minutes a step): ${labels}`);
    }
    for (const setup of setups) {
      if (skipped.includes(setup) || (!firstRound && best[name]?.setup !== setup.label)) continue;
      restoreBaseline();
      install(setup.kernels());
      await tf.setBackend(setup.backend);
      await startConvThreads({ threads: setup.threads ?? 1 });
      const batch = setup.batch ?? spec.batch;
      const note = batch === spec.batch ? '' : ` (batch ${batch})`;
      try {
        const rate = await measure(spec, batch);
        console.log(`${name.padEnd(NAME_WIDTH)} ${setup.label.padEnd(17)} ${fmt(rate).padStart(7)} samples/s${note}`);
        const now = best[name];
        if (ACTLAB_SETUPS.includes(setup.label) && (!now || rate > now.rate)) best[name] = { rate, setup: setup.label };
      } catch (error) {
        console.log(`${name.padEnd(NAME_WIDTH)} ${setup.label.padEnd(17)}   fails: ${firstLine(error)}`);
      }
    }
  }
}

/**
 * The anchor: PyTorch on THREADS threads and on 1, the better of the two per model
 * (on a shared 2-core machine the 2-thread run is often the slower one, and a low
 * anchor would flatter actlab); raised in `best` when this round beats an earlier one.
 */
function timeAnchor(params: Record<ModelName, number>, best: Partial<Record<ModelName, number>>): void {
  const torch2 = runTorch(THREADS, params, 'time').rate;
  const torch1 = runTorch(1, params, 'time').rate;
  for (const name of SELECTED) {
    const rate = Math.max(torch1[name], torch2[name]);
    best[name] = Math.max(best[name] ?? 0, rate);
    console.log(
      `${name.padEnd(NAME_WIDTH)} torch cpu         ${fmt(rate).padStart(7)} samples/s (best of ${THREADS} threads: ${fmt(torch2[name])}, 1 thread: ${fmt(torch1[name])})`,
    );
  }
}

async function main(): Promise<void> {
  await tf.setBackend('wasm'); // start wasm with its stock kernels registered, so their setup runs
  await tf.ready();
  captureBaseline();
  if (!oneDnn.loaded) console.log(`${ONEDNN_LABEL}: skipped (${oneDnn.reason})`);
  const params = Object.fromEntries(SELECTED.map((name) => [name, trainableParams(MODELS[name])])) as Record<
    ModelName,
    number
  >;
  const hasTorch = torchImports();
  if (hasTorch) runTorch(1, params, 'check'); // a twin that differs stops the bench before any timing
  for (const name of SELECTED) {
    const both = hasTorch ? 'tfjs and its PyTorch twin' : 'tfjs (no PyTorch twin to compare)';
    console.log(`${name.padEnd(NAME_WIDTH)} ${params[name].toLocaleString('en')} trainable parameters in ${both}`);
  }
  if (!hasTorch)
    console.log('torch: /usr/bin/python3 cannot import torch; anchor skipped (apt-get install -y python3-torch)');
  // Both sides are timed in every round and each keeps its best: a neighbour that slows
  // one phase of a shared machine then moves neither the rate nor the ratio by much.
  const actlab: Rates = {};
  const torch: Partial<Record<ModelName, number>> = {};
  for (let round = 1; round <= ROUNDS; round++) {
    if (ROUNDS > 1) console.log(`round ${round} of ${ROUNDS}`);
    await timeSetups(SETUPS, actlab, round === 1);
    await startConvThreads({ threads: 1 }); // the anchor gets the cores to itself
    if (hasTorch) timeAnchor(params, torch);
  }
  const summary: Record<
    string,
    { actlab: number | null; torch: number | null; ratio: number | null; setup: string | null }
  > = {};
  for (const name of SELECTED) {
    const a = actlab[name]?.rate ?? null;
    const t = torch[name] ?? null;
    const round = (v: number | null, digits: number) => (v === null ? null : Number(v.toFixed(digits)));
    summary[name] = {
      actlab: a === null ? null : Number(fmt(a)),
      torch: t === null ? null : Number(fmt(t)),
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
