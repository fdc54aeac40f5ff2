/**
 * actlab's kernel packs against a float64 reference and the stock cpu backend,
 * plus proof that the stock wasm kernels they replace are wrong.
 */
import { stockCpu, stockWasm, install } from './helpers/stock-kernels';

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { initBackend } from '../src/lib/backend';
import {
  ConvThreadsError,
  convThreads,
  cpuConvPack,
  parseThreads,
  startConvThreads,
  wasmConvPack,
} from '../src/lib/kernels';
import { ROOT } from './helpers/cli';
import {
  type RefConv,
  type RefPool,
  type Shape5,
  type Triple,
  randomArray,
  refConv,
  refConvBackpropFilter,
  refConvBackpropInput,
  refMaxPool3d,
  refOutShape,
  relativeError,
} from './helpers/reference-conv';

const TOLERANCE = 1e-4;
let actlabWasm: tf.KernelConfig[] = [];
let actlabCpu: tf.KernelConfig[] = [];

interface ConvCase extends RefConv {
  readonly rank: 4 | 5;
}

/** Cases as 5-D; rank-4 ones run through conv2d with depth 1. */
const CONV_CASES: ConvCase[] = [
  { rank: 4, xShape: [2, 1, 7, 9, 3], filterShape: [1, 3, 3, 3, 4], strides: [1, 1, 1], padding: 'same' },
  { rank: 4, xShape: [3, 1, 8, 8, 2], filterShape: [1, 3, 3, 2, 5], strides: [1, 2, 2], padding: 'same' },
  { rank: 4, xShape: [2, 1, 9, 7, 3], filterShape: [1, 2, 3, 3, 4], strides: [1, 2, 1], padding: 'valid' },
  { rank: 4, xShape: [1, 1, 5, 5, 2], filterShape: [1, 5, 5, 2, 3], strides: [1, 1, 1], padding: 'valid' },
  { rank: 4, xShape: [2, 1, 6, 5, 4], filterShape: [1, 1, 1, 4, 3], strides: [1, 1, 1], padding: 'same' },
  { rank: 5, xShape: [2, 4, 7, 9, 3], filterShape: [3, 3, 3, 3, 4], strides: [1, 1, 1], padding: 'same' },
  { rank: 5, xShape: [2, 5, 8, 7, 2], filterShape: [2, 3, 3, 2, 4], strides: [2, 2, 2], padding: 'valid' },
  { rank: 5, xShape: [1, 6, 9, 9, 3], filterShape: [3, 3, 3, 3, 2], strides: [1, 2, 2], padding: 'same' },
  { rank: 5, xShape: [2, 5, 7, 9, 2], filterShape: [3, 3, 3, 2, 3], strides: [2, 2, 2], padding: 'same' },
  { rank: 5, xShape: [2, 3, 4, 5, 6], filterShape: [1, 1, 1, 6, 4], strides: [1, 1, 1], padding: 'valid' },
];

function describeCase(c: ConvCase): string {
  return `conv${c.rank - 2}d x [${c.xShape}] filter [${c.filterShape}] strides [${c.strides}] ${c.padding}`;
}

interface ConvResult {
  y: Float32Array;
  dx: Float32Array;
  dFilter: Float32Array;
}

/** y, and the gradients of sum(y·dy) (so dx and dFilter are the backprop kernels applied to dy). */
function runConv(c: ConvCase, x: Float32Array, filter: Float32Array, dy: Float32Array): ConvResult {
  return tf.tidy(() => {
    const [n, d, h, w, ci] = c.xShape;
    const [kd, kh, kw, , co] = c.filterShape;
    const out = refOutShape(c);
    const conv =
      c.rank === 4
        ? (a: tf.Tensor, b: tf.Tensor) =>
            tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, [c.strides[1], c.strides[2]], c.padding)
        : (a: tf.Tensor, b: tf.Tensor) => tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, c.strides, c.padding);
    const xT = c.rank === 4 ? tf.tensor4d(x, [n, h, w, ci]) : tf.tensor5d(x, [n, d, h, w, ci]);
    const fT = c.rank === 4 ? tf.tensor4d(filter, [kh, kw, ci, co]) : tf.tensor5d(filter, c.filterShape);
    const dyT = tf.tensor(dy, c.rank === 4 ? [out[0], out[2], out[3], out[4]] : out);
    assert.equal(kd === 1 || c.rank === 5, true);
    const [dx, dFilter] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), dyT)))([xT, fT]);
    return {
      y: conv(xT, fT).dataSync() as Float32Array,
      dx: dx!.dataSync() as Float32Array,
      dFilter: dFilter!.dataSync() as Float32Array,
    };
  });
}

/** Seeded random x, filter and dy for a case (seeds `seed`, `seed + 10`, `seed + 20`). */
function convInputs(c: ConvCase, seed: number): { x: Float32Array; filter: Float32Array; dy: Float32Array } {
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b);
  return {
    x: randomArray(size(c.xShape), seed),
    filter: randomArray(size(c.filterShape), seed + 10),
    dy: randomArray(size(refOutShape(c)), seed + 20),
  };
}

async function onBackend<T>(name: string, kernels: readonly tf.KernelConfig[], run: () => T): Promise<T> {
  install(kernels);
  await tf.setBackend(name);
  return run();
}

before(async () => {
  // Start wasm with its stock kernels (their setup must run), then let initBackend apply the packs.
  await tf.setBackend('wasm');
  await tf.ready();
  const info = await initBackend({ backend: 'wasm', log: null });
  assert.ok(info.kernelPacks.includes(wasmConvPack.name), `packs on wasm: ${info.kernelPacks.join(', ')}`);
  actlabWasm = wasmConvPack.kernels().slice();
  actlabCpu = cpuConvPack.kernels().slice();
});

describe('actlab conv kernels on wasm match a float64 reference and stock cpu', () => {
  CONV_CASES.forEach((c, i) => {
    test(describeCase(c), async () => {
      const { x, filter, dy } = convInputs(c, 10 + i);
      const wasm = await onBackend('wasm', actlabWasm, () => runConv(c, x, filter, dy));
      const cpuStock = await onBackend('cpu', stockCpu, () => runConv(c, x, filter, dy));
      const cpuActlab = await onBackend('cpu', actlabCpu, () => runConv(c, x, filter, dy));
      const expected = {
        y: refConv(c, x, filter),
        dx: refConvBackpropInput(c, dy, filter),
        dFilter: refConvBackpropFilter(c, x, dy),
      };
      for (const key of ['y', 'dx', 'dFilter'] as const) {
        assert.ok(
          relativeError(wasm[key], expected[key]) < TOLERANCE,
          `wasm ${key}: ${relativeError(wasm[key], expected[key])}`,
        );
        assert.ok(relativeError(cpuActlab[key], expected[key]) < TOLERANCE, `cpu pack ${key}`);
        assert.ok(relativeError(wasm[key], cpuStock[key]) < TOLERANCE, `wasm vs stock cpu ${key}`);
      }
    });
  });
});

describe('actlab conv kernels shared over worker threads', () => {
  before(async () => {
    // 3 threads on any machine: uneven row splits, and more threads than some batches have samples.
    const info = await startConvThreads({ threads: 3, minMacs: 0 });
    assert.deepEqual(info, { threads: 3, note: '' });
  });
  after(async () => {
    await startConvThreads({ threads: 1, minMacs: 4e6 });
  });

  CONV_CASES.forEach((c, i) => {
    test(`${describeCase(c)}: same as the reference and as one thread`, async () => {
      const { x, filter, dy } = convInputs(c, 110 + i);
      const jobsBefore = convThreads().jobsShared;
      const shared = await onBackend('wasm', actlabWasm, () => runConv(c, x, filter, dy));
      // Forward (twice: once inside grads), dFilter split rows and dx splits samples over up to 3 threads.
      const rows = refOutShape(c)
        .slice(0, 4)
        .reduce((a, b) => a * b);
      const jobs = (units: number) => Math.min(3, units) - 1;
      assert.equal(convThreads().jobsShared - jobsBefore, 3 * jobs(rows) + jobs(c.xShape[0]), 'jobs handed to workers');
      // An infinite threshold keeps the workers but runs every convolution here.
      await startConvThreads({ threads: 3, minMacs: Infinity });
      const single = await onBackend('wasm', actlabWasm, () => runConv(c, x, filter, dy));
      await startConvThreads({ threads: 3, minMacs: 0 });
      const expected = {
        y: refConv(c, x, filter),
        dx: refConvBackpropInput(c, dy, filter),
        dFilter: refConvBackpropFilter(c, x, dy),
      };
      for (const key of ['y', 'dx', 'dFilter'] as const) {
        const error = relativeError(shared[key], expected[key]);
        assert.ok(error < TOLERANCE, `threads ${key}: ${error}`);
        assert.ok(relativeError(shared[key], single[key]) < 1e-6, `threads vs one thread ${key}`);
      }
    });
  });

  test('ACTLAB_THREADS must be a whole number ≥ 1', () => {
    assert.equal(parseThreads(undefined), undefined);
    assert.equal(parseThreads(' '), undefined);
    assert.equal(parseThreads('2'), 2);
    for (const bad of ['0', '1.5', 'many', '-2']) {
      assert.throws(
        () => parseThreads(bad),
        (error: Error) => {
          assert.ok(error instanceof ConvThreadsError);
          assert.equal(
            error.message,
            `ACTLAB_THREADS="${bad}" must be a whole number ≥ 1 (1 runs convolutions on one thread); unset it to use every core`,
          );
          return true;
        },
      );
    }
  });
});

const POOL_CASES: RefPool[] = [
  { xShape: [2, 4, 6, 6, 3], filter: [2, 2, 2], strides: [2, 2, 2], padding: 'valid' },
  { xShape: [1, 5, 7, 9, 2], filter: [3, 3, 3], strides: [1, 2, 2], padding: 'same' },
  { xShape: [2, 3, 5, 5, 4], filter: [1, 2, 2], strides: [1, 2, 2], padding: 'same' },
];

function runPool(p: RefPool, x: Float32Array, dy: Float32Array): { y: Float32Array; dx: Float32Array } {
  return tf.tidy(() => {
    const pool = (a: tf.Tensor) => tf.maxPool3d(a as tf.Tensor5D, p.filter, p.strides, p.padding);
    const xT = tf.tensor5d(x, p.xShape);
    const y = pool(xT);
    const dyT = tf.tensor(dy, y.shape);
    const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(pool(a), dyT)))(xT);
    return { y: y.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array };
  });
}

describe('actlab maxPool3d on wasm', () => {
  POOL_CASES.forEach((p, i) => {
    test(`x [${p.xShape}] window [${p.filter}] strides [${p.strides}] ${p.padding}, all values negative`, async () => {
      // Shifted below zero: the stock wasm kernel's FLT_MIN start turns these into 0.
      const x = randomArray(
        p.xShape.reduce((a, b) => a * b),
        40 + i,
      ).map((v) => v - 2);
      const ref = refMaxPool3d(p, x);
      const dy = randomArray(ref.y.length, 50 + i);
      const expectedDx = new Float64Array(x.length);
      ref.argmax.forEach((xi, yi) => (expectedDx[xi]! += dy[yi]!));
      const wasm = await onBackend('wasm', actlabWasm, () => runPool(p, x, dy));
      const cpu = await onBackend('cpu', stockCpu, () => runPool(p, x, dy));
      assert.ok(relativeError(wasm.y, ref.y) < TOLERANCE, 'y vs reference');
      assert.ok(relativeError(wasm.dx, expectedDx) < TOLERANCE, 'dx vs reference');
      assert.ok(relativeError(wasm.y, cpu.y) < TOLERANCE, 'y vs stock cpu');
      assert.ok(relativeError(wasm.dx, cpu.dx) < TOLERANCE, 'dx vs stock cpu');
    });
  });
});

describe('actlab MaxPoolGrad (2-D) on wasm', () => {
  const cases: Array<{
    shape: [number, number, number, number];
    size: number;
    stride: number;
    padding: 'same' | 'valid';
  }> = [
    { shape: [2, 6, 6, 3], size: 2, stride: 2, padding: 'valid' },
    { shape: [1, 7, 9, 2], size: 3, stride: 2, padding: 'same' },
    { shape: [2, 5, 5, 4], size: 3, stride: 1, padding: 'valid' },
  ];
  cases.forEach((c, i) => {
    test(`x [${c.shape}] window ${c.size} stride ${c.stride} ${c.padding}: dx matches a float64 reference`, async () => {
      const [n, h, w, ch] = c.shape;
      const x = randomArray(n * h * w * ch, 140 + i).map((v) => v - 2);
      const p: RefPool = {
        xShape: [n, 1, h, w, ch],
        filter: [1, c.size, c.size],
        strides: [1, c.stride, c.stride],
        padding: c.padding,
      };
      const ref = refMaxPool3d(p, x);
      const dy = randomArray(ref.y.length, 150 + i);
      const expectedDx = new Float64Array(x.length);
      ref.argmax.forEach((xi, yi) => (expectedDx[xi]! += dy[yi]!));
      const dx = await onBackend('wasm', actlabWasm, () =>
        tf.tidy(() => {
          const pool = (a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, c.size, c.stride, c.padding);
          const xT = tf.tensor4d(x, c.shape);
          const dyT = tf.tensor(dy, pool(xT).shape);
          return tf
            .grad((a: tf.Tensor) => tf.sum(tf.mul(pool(a), dyT)))(xT)
            .dataSync() as Float32Array;
        }),
      );
      assert.ok(relativeError(dx, expectedDx) < TOLERANCE, `dx: ${relativeError(dx, expectedDx)}`);
    });
  });
});

describe('actlab Sum on wasm', () => {
  test('leading axes (bias gradient) and the stock fallback agree with a float64 sum', async () => {
    const x = randomArray(2 * 3 * 4 * 5 * 6, 60);
    await onBackend('wasm', actlabWasm, () =>
      tf.tidy(() => {
        const t = tf.tensor5d(x, [2, 3, 4, 5, 6]);
        const expected = new Float64Array(6);
        x.forEach((v, i) => (expected[i % 6]! += v));
        assert.ok(relativeError(tf.sum(t, [0, 1, 2, 3]).dataSync(), expected) < TOLERANCE);
        assert.deepEqual(tf.sum(t, [0, 1, 2, 3], true).shape, [1, 1, 1, 1, 6]);
        const lastAxis = tf.sum(t, -1).dataSync();
        assert.ok(Math.abs(lastAxis[0]! - x.slice(0, 6).reduce((a, b) => a + b, 0)) < 1e-5);
      }),
    );
  });
});

describe('actlab Mean and SplitV on wasm', () => {
  test('Mean over leading axes matches a float64 mean', async () => {
    const x = randomArray(2 * 3 * 4 * 5 * 6, 61);
    const expected = new Float64Array(6);
    x.forEach((v, i) => (expected[i % 6]! += v / 120));
    const actual = await onBackend('wasm', actlabWasm, () =>
      tf.tidy(() => tf.mean(tf.tensor5d(x, [2, 3, 4, 5, 6]), [0, 1, 2, 3]).dataSync()),
    );
    assert.ok(relativeError(actual, expected) < TOLERANCE);
  });

  test('SplitV along the channel axis copies the right blocks (uneven sizes)', async () => {
    const x = randomArray(2 * 3 * 7, 62);
    const pieces = await onBackend('wasm', actlabWasm, () =>
      tf.tidy(() =>
        tf.split(tf.tensor3d(x, [2, 3, 7]), [2, 4, 1], 2).map((t) => ({ shape: t.shape, values: t.dataSync() })),
      ),
    );
    const sizes = [2, 4, 1];
    let offset = 0;
    pieces.forEach((piece, p) => {
      assert.deepEqual(piece.shape, [2, 3, sizes[p]]);
      const expected: number[] = [];
      for (let row = 0; row < 6; row++) for (let c = 0; c < sizes[p]!; c++) expected.push(x[row * 7 + offset + c]!);
      assert.deepEqual(Array.from(piece.values), expected);
      offset += sizes[p]!;
    });
  });
});

describe('actlab Slice on wasm and cpu', () => {
  /** The box of x [2,4,3,5,2] at begin with size, element by element. */
  function referenceSlice(x: Float32Array, begin: number[], size: number[]): number[] {
    const shape = [2, 4, 3, 5, 2];
    const out: number[] = [];
    const index = (i: number[]) => i.reduce((flat, v, axis) => flat * shape[axis]! + v, 0);
    for (let a = 0; a < size[0]!; a++)
      for (let b = 0; b < size[1]!; b++)
        for (let c = 0; c < size[2]!; c++)
          for (let d = 0; d < size[3]!; d++)
            for (let e = 0; e < size[4]!; e++)
              out.push(x[index([a + begin[0]!, b + begin[1]!, c + begin[2]!, d + begin[3]!, e + begin[4]!])]!);
    return out;
  }
  const cases: Array<[number[], number[]]> = [
    [
      [0, 1, 0, 0, 0],
      [-1, 3, -1, -1, -1],
    ], // drop a frame: one run per clip
    [
      [1, 0, 1, 2, 0],
      [1, 4, 2, 3, 2],
    ], // cut on several axes
    [
      [0, 0, 0, 0, 1],
      [2, 4, 3, 5, 1],
    ], // one channel: runs of one value
    [
      [0, 2, 0, 0, 0],
      [2, 0, 3, 5, 2],
    ], // empty
  ];
  for (const [backend, kernels] of [
    ['wasm', () => actlabWasm],
    ['cpu', () => actlabCpu],
  ] as const) {
    test(`${backend}: boxes of a rank-5 tensor hold the reference's values`, async () => {
      const x = randomArray(2 * 4 * 3 * 5 * 2, 63);
      for (const [begin, size] of cases) {
        const got = await onBackend(backend, kernels(), () =>
          tf.tidy(() => {
            const y = tf.slice(tf.tensor5d(x, [2, 4, 3, 5, 2]), begin, size);
            return { shape: y.shape, values: Array.from(y.dataSync()) };
          }),
        );
        const full = size.map((v, axis) => (v === -1 ? [2, 4, 3, 5, 2][axis]! - begin[axis]! : v));
        assert.deepEqual(got.shape, full, `[${begin}] [${size}]`);
        assert.deepEqual(got.values, referenceSlice(x, begin, full), `[${begin}] [${size}]`);
      }
    });
  }
});

describe('actlab Identity on wasm shares memory', () => {
  test('a clone holds no copy, outlives its source, and frees the memory with the last tensor', async () => {
    await onBackend('wasm', actlabWasm, () => undefined);
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const x = tf.tensor1d([1, 2, 3]);
    const before = backend.numDataIds();
    const copy = tf.clone(x);
    assert.equal(backend.numDataIds(), before, 'the clone made a second buffer');
    x.dispose();
    assert.deepEqual(Array.from(copy.dataSync()), [1, 2, 3]);
    assert.equal(backend.numDataIds(), before, "disposing the source freed the clone's memory");
    copy.dispose();
    assert.equal(backend.numDataIds(), before - 1);
  });

  test('a gradient step, whose saved tensors are now shared, leaks nothing and updates the weights right', async () => {
    const counts = await onBackend('wasm', actlabWasm, () => {
      const w = tf.variable(tf.ones([4, 4]));
      const x = tf.ones([8, 4]);
      const step = () =>
        tf.tidy(() => {
          const g = tf.grad((v: tf.Tensor) => tf.sum(tf.relu(tf.matMul(x, v))))(w);
          w.assign(tf.sub(w, tf.mul(g, 0.01)));
        });
      step();
      const first = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) step();
      const result = { first, last: tf.memory().numTensors, values: Array.from(w.dataSync()) };
      tf.dispose([w, x]);
      return result;
    });
    assert.equal(counts.last, counts.first, 'tensors leaked across steps');
    // relu(x·w) is 4 everywhere on ones, so each step takes 0.01·8 off every weight.
    for (const v of counts.values) assert.ok(Math.abs(v - (1 - 6 * 0.08)) < 1e-5, `weight ${v}`);
  });
});

describe('the stock wasm kernels the pack replaces are wrong (so these checks can fail)', () => {
  test('stock Conv3DBackpropInputV2 and MaxPool3D disagree with the reference', async () => {
    const c = CONV_CASES[6]!;
    const x = randomArray(
      c.xShape.reduce((a, b) => a * b),
      70,
    );
    const filter = randomArray(
      c.filterShape.reduce((a, b) => a * b),
      71,
    );
    const dy = randomArray(
      refOutShape(c).reduce((a, b) => a * b),
      72,
    );
    const stock = await onBackend('wasm', stockWasm, () => runConv(c, x, filter, dy));
    assert.ok(relativeError(stock.dx, refConvBackpropInput(c, dy, filter)) > 0.1, 'stock dx unexpectedly right');
    const p = POOL_CASES[0]!;
    const negative = randomArray(
      p.xShape.reduce((a, b) => a * b),
      73,
    ).map((v) => v - 2);
    const expected = refMaxPool3d(p, negative).y;
    const pooled = await onBackend('wasm', stockWasm, () => runPool(p, negative, new Float32Array(expected.length)));
    assert.ok(relativeError(pooled.y, expected) > 0.1, 'stock maxPool3d unexpectedly right');
    install(actlabWasm);
  });

  test('stock wasm has no Conv2DBackpropFilter', () => {
    assert.equal(
      stockWasm.some((k) => k.kernelName === 'Conv2DBackpropFilter'),
      false,
    );
  });
});

describe('kernel hygiene', () => {
  test('no tensors or backend buffers leak across a conv3d + maxPool3d train step', async () => {
    await onBackend('wasm', actlabWasm, () => undefined);
    const x = tf.randomNormal([2, 4, 8, 8, 3]);
    const f = tf.randomNormal([3, 3, 3, 3, 4]);
    const step = () =>
      tf.tidy(() =>
        tf
          .grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.maxPool3d(tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, 1, 'same'), 2, 2, 'valid')),
          )([x, f])
          .forEach((g) => g.dataSync()),
      );
    step();
    const tensors = tf.memory().numTensors;
    const buffers = tf.engine().backend.numDataIds();
    for (let i = 0; i < 3; i++) step();
    assert.equal(tf.memory().numTensors, tensors);
    assert.equal(tf.engine().backend.numDataIds(), buffers);
    tf.dispose([x, f]);
  });

  test('a dy of the wrong shape is an error naming both shapes', async () => {
    await onBackend('wasm', actlabWasm, () => undefined);
    const x = tf.zeros([1, 4, 4, 4, 2]);
    const dy = tf.zeros([1, 4, 4, 3, 5]);
    const strides: Triple = [1, 1, 1];
    const filterShape: Shape5 = [3, 3, 3, 2, 5];
    assert.throws(
      () => tf.engine().runKernel('Conv3DBackpropFilterV2', { x, dy }, { strides, pad: 'same', filterShape }),
      { message: "Conv3DBackpropFilterV2: dy has shape [1,4,4,3,5] but the convolution's output shape is [1,4,4,4,5]" },
    );
    tf.dispose([x, dy]);
  });
});

describe('the kernels folder stands alone', () => {
  test('no file in src/lib/kernels imports src/lib/backend (the pack registry lives here)', () => {
    const dir = path.join(ROOT, 'src', 'lib', 'kernels');
    const offenders = fs
      .readdirSync(dir)
      .filter((name) => name.endsWith('.ts'))
      .filter((name) => /from '\.\.\/backend/.test(fs.readFileSync(path.join(dir, name), 'utf8')));
    assert.deepEqual(offenders, []);
  });
});
