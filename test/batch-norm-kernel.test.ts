/**
 * ChannelBatchNorm's fused training kernels (src/lib/kernels/channel-norm.ts)
 * against a float64 reference on wasm and cpu, the op-based fallback against
 * the same reference, and a model that trains without leaking tensors.
 */
import { install } from './helpers/stock-kernels';

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { initBackend } from '../src/lib/backend';
import {
  CHANNEL_NORM_BACKWARD,
  CHANNEL_NORM_FORWARD,
  channelNormKernelConfigs,
  cpuMemory,
  wasmConvPack,
} from '../src/lib/kernels';
import { ChannelBatchNorm, GlobalAveragePooling3D } from '../src/lib/layers';
import { randomArray, relativeError } from './helpers/reference-conv';

const TOLERANCE = 1e-4;
const FUSED = [CHANNEL_NORM_FORWARD, CHANNEL_NORM_BACKWARD];
const cpuFused = channelNormKernelConfigs('cpu', cpuMemory);

before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  const info = await initBackend({ backend: 'wasm', log: null });
  assert.ok(info.kernelPacks.includes(wasmConvPack.name), `packs on wasm: ${info.kernelPacks.join(', ')}`);
  for (const name of FUSED) assert.ok(tf.getKernel(name, 'wasm'), `${name} registered on wasm`);
});

interface NormValues {
  y: ArrayLike<number>;
  mean: ArrayLike<number>;
  variance: ArrayLike<number>;
  dx: ArrayLike<number>;
  dgamma: ArrayLike<number>;
  dbeta: ArrayLike<number>;
}

interface NormInputs {
  x: ArrayLike<number>;
  gamma: ArrayLike<number>;
  beta: ArrayLike<number>;
  /** The upstream gradient: the loss is Σ y·dy. */
  dy: ArrayLike<number>;
  channels: number;
  epsilon: number;
}

/** Batch norm over all but the last axis and its gradients, float64, two-pass statistics, straight from the definition. */
function refChannelNorm({ x, gamma, beta, dy, channels, epsilon }: NormInputs): NormValues {
  const rows = x.length / channels;
  const mean = new Float64Array(channels);
  const variance = new Float64Array(channels);
  for (let i = 0; i < x.length; i++) mean[i % channels]! += x[i]! / rows;
  for (let i = 0; i < x.length; i++) variance[i % channels]! += (x[i]! - mean[i % channels]!) ** 2 / rows;
  const invstd = variance.map((v) => 1 / Math.sqrt(v + epsilon));
  const xhat = Float64Array.from(x, (v, i) => (v - mean[i % channels]!) * invstd[i % channels]!);
  const y = xhat.map((v, i) => v * gamma[i % channels]! + beta[i % channels]!);
  const dgamma = new Float64Array(channels);
  const dbeta = new Float64Array(channels);
  for (let i = 0; i < x.length; i++) {
    dbeta[i % channels]! += dy[i]!;
    dgamma[i % channels]! += dy[i]! * xhat[i]!;
  }
  // dL/dx̂ = dy·gamma; through mean and variance: dx = invstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)).
  const dx = xhat.map((v, i) => {
    const c = i % channels;
    return gamma[c]! * invstd[c]! * (dy[i]! - dbeta[c]! / rows - (v * dgamma[c]!) / rows);
  });
  return { y, mean, variance, dx, dgamma, dbeta };
}

interface NormCase {
  readonly shape: readonly number[];
  /** Added to every x (tests that statistics survive a large offset). */
  readonly offset?: number;
}

const CASES: NormCase[] = [
  { shape: [2, 3, 4, 5, 6] },
  { shape: [3, 2, 5, 4, 1] },
  { shape: [2, 5, 7, 3] },
  { shape: [3, 5, 7, 1] },
  { shape: [2, 3, 3] },
  { shape: [2, 3] },
  { shape: [1, 4] },
  { shape: [2, 2, 3, 3, 4], offset: 1e4 },
  { shape: [4, 6, 6, 3], offset: -3e3 },
];

function describeCase(c: NormCase): string {
  return `x [${c.shape}]${c.offset ? ` + ${c.offset}` : ''}`;
}

function caseInputs(c: NormCase, seed: number): NormInputs {
  const size = c.shape.reduce((a, b) => a * b);
  const channels = c.shape[c.shape.length - 1]!;
  return {
    x: randomArray(size, seed).map((v, i) => v * (1 + (i % channels)) + (c.offset ?? 0)),
    gamma: randomArray(channels, seed + 1).map((v) => v + 1.5),
    beta: randomArray(channels, seed + 2),
    dy: randomArray(size, seed + 3),
    channels,
    epsilon: 1e-3,
  };
}

/**
 * Runs a ChannelBatchNorm (momentum 0, so the moving statistics become the
 * batch's) in training on the active backend: y, the statistics, the gradients
 * of Σ y·dy and the names of the kernels that ran.
 */
async function runLayer(shape: readonly number[], inputs: NormInputs): Promise<NormValues & { kernels: string[] }> {
  const layer = new ChannelBatchNorm({ momentum: 0, epsilon: inputs.epsilon });
  layer.build([null, ...shape.slice(1)]);
  const c = inputs.channels;
  layer.setWeights([
    tf.tensor1d(Float32Array.from(inputs.gamma)),
    tf.tensor1d(Float32Array.from(inputs.beta)),
    tf.zeros([c]),
    tf.ones([c]),
  ]);
  const x = tf.variable(tf.tensor(Float32Array.from(inputs.x), [...shape]));
  const dy = tf.tensor(Float32Array.from(inputs.dy), [...shape]);
  const [gamma, beta] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  let values: NormValues | undefined;
  const profile = await tf.profile(() => {
    const y = tf.tidy(() => layer.apply(x, { training: true }) as tf.Tensor);
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, dy)),
      [x, gamma!, beta!],
    );
    const [, , mean, variance] = layer.getWeights();
    values = {
      y: y.dataSync(),
      mean: mean!.dataSync(),
      variance: variance!.dataSync(),
      dx: grads[x.name]!.dataSync(),
      dgamma: grads[gamma!.name]!.dataSync(),
      dbeta: grads[beta!.name]!.dataSync(),
    };
    tf.dispose([y, value, ...Object.values(grads)]);
  });
  tf.dispose([x, dy]);
  disposeWeights(layer);
  return { ...values!, kernels: profile.kernelNames };
}

/** Frees a layer's variables (Layer.dispose refuses layers only ever applied to concrete tensors). */
function disposeWeights(layer: tf.layers.Layer): void {
  for (const w of layer.weights) w.dispose();
}

function assertClose(label: string, actual: NormValues, expected: NormValues, tolerance = TOLERANCE): void {
  for (const key of ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'] as const) {
    const error = relativeError(actual[key], expected[key]);
    assert.ok(error < tolerance, `${label} ${key}: relative error ${error}`);
  }
}

function assertFused(label: string, kernels: readonly string[], fused: boolean): void {
  for (const name of FUSED) assert.equal(kernels.includes(name), fused, `${label}: ${name} ran: ${!fused}`);
}

describe('the float64 reference', () => {
  test('its gradients match float64 central differences of its forward', () => {
    const inputs = caseInputs({ shape: [2, 3, 2] }, 1);
    const expected = refChannelNorm(inputs);
    const loss = (patch: Partial<NormInputs>) => {
      const { y } = refChannelNorm({ ...inputs, ...patch });
      let sum = 0;
      for (let i = 0; i < y.length; i++) sum += y[i]! * inputs.dy[i]!;
      return sum;
    };
    const h = 1e-6;
    for (const key of ['x', 'gamma', 'beta'] as const) {
      const grad = { x: expected.dx, gamma: expected.dgamma, beta: expected.dbeta }[key];
      for (let i = 0; i < inputs[key].length; i++) {
        const shifted = (delta: number) => Float64Array.from(inputs[key], (v, j) => (j === i ? v + delta : v));
        const numeric = (loss({ [key]: shifted(h) }) - loss({ [key]: shifted(-h) })) / (2 * h);
        assert.ok(Math.abs(numeric - grad[i]!) < 1e-6, `d${key}[${i}]: numeric ${numeric} vs ${grad[i]}`);
      }
    }
  });
});

describe('ChannelBatchNorm training on the fused kernels matches the float64 reference', () => {
  CASES.forEach((c, i) => {
    test(describeCase(c), async () => {
      const inputs = caseInputs(c, 20 + i);
      const expected = refChannelNorm(inputs);
      await tf.setBackend('wasm');
      const wasm = await runLayer(c.shape, inputs);
      assertFused('wasm', wasm.kernels, true);
      assertClose('wasm', wasm, expected);

      install(cpuFused);
      await tf.setBackend('cpu');
      const cpu = await runLayer(c.shape, inputs);
      assertFused('cpu', cpu.kernels, true);
      assertClose('cpu', cpu, expected);
      await tf.setBackend('wasm');
    });
  });
});

describe('ChannelBatchNorm training without the fused kernels (other backends)', () => {
  // The op-based path in float32 loses the variance under a large offset, so only unshifted cases.
  CASES.filter((c) => c.offset === undefined).forEach((c, i) => {
    test(`${describeCase(c)}: tf.moments and elementwise ops give the reference too`, async () => {
      const inputs = caseInputs(c, 40 + i);
      install(cpuFused);
      await tf.setBackend('cpu');
      for (const name of FUSED) tf.unregisterKernel(name, 'cpu');
      try {
        const ops = await runLayer(c.shape, inputs);
        assertFused('cpu without the kernels', ops.kernels, false);
        assertClose('op-based', ops, refChannelNorm(inputs));
      } finally {
        install(cpuFused);
        await tf.setBackend('wasm');
      }
    });
  });
});

describe('ChannelBatchNorm fused path', () => {
  test('inference with moving statistics equal to the batch statistics gives the training output', () => {
    tf.tidy(() => {
      const layer = new ChannelBatchNorm({ momentum: 0 });
      const x = tf.tensor5d(
        randomArray(2 * 3 * 4 * 4 * 5, 60).map((v, i) => 3 * v + (i % 5)),
        [2, 3, 4, 4, 5],
      );
      const training = layer.apply(x, { training: true }) as tf.Tensor;
      const inference = layer.apply(x) as tf.Tensor;
      assert.ok(relativeError(inference.dataSync(), training.dataSync()) < 1e-5);
      disposeWeights(layer);
    });
  });

  test('keeps the serialized config and the weights of the op-based layer', () => {
    const layer = new ChannelBatchNorm({ name: 'bn', momentum: 0.8, epsilon: 1e-4 });
    layer.apply(tf.zeros([2, 3, 3]), { training: true });
    const config = layer.getConfig();
    assert.equal(config['momentum'], 0.8);
    assert.equal(config['epsilon'], 1e-4);
    assert.deepEqual(
      layer.weights.map((w) => [w.name, w.shape, w.trainable]),
      [
        ['bn/gamma', [3], true],
        ['bn/beta', [3], true],
        ['bn/moving_mean', [3], false],
        ['bn/moving_variance', [3], false],
      ],
    );
    disposeWeights(layer);
  });

  test('leaves no tensors behind, with or without a gradient tape', () => {
    const layer = new ChannelBatchNorm();
    const x = tf.tensor4d(randomArray(2 * 5 * 5 * 3, 61), [2, 5, 5, 3]);
    const step = () => {
      tf.tidy(() => {
        layer.apply(x, { training: true });
      });
      const { value, grads } = tf.variableGrads(() => tf.sum(layer.apply(x, { training: true }) as tf.Tensor));
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const count = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    assert.equal(tf.memory().numTensors, count);
    x.dispose();
    disposeWeights(layer);
  });

  test('bad inputs to the kernels are errors that name the shapes', () => {
    const x = tf.zeros([2, 4]);
    const gamma = tf.ones([3]);
    assert.throws(() => tf.engine().runKernel(CHANNEL_NORM_FORWARD, { x, gamma, beta: gamma }, { epsilon: 1e-3 }), {
      message: `${CHANNEL_NORM_FORWARD}: gamma must be [4] (x's last axis); got [3]`,
    });
    const ints = tf.zeros([2, 3], 'int32');
    assert.throws(
      () => tf.engine().runKernel(CHANNEL_NORM_FORWARD, { x: ints, gamma, beta: gamma }, { epsilon: 1e-3 }),
      {
        message: `${CHANNEL_NORM_FORWARD}: x must be float32; got int32`,
      },
    );
    tf.dispose([x, gamma, ints]);
  });
});

describe('a model with ChannelBatchNorm', () => {
  test('trains on the fused kernels (loss falls over 20 steps) with a flat tensor count', async () => {
    await tf.setBackend('wasm');
    const input = tf.input({ shape: [4, 6, 6, 2] });
    let h = tf.layers.conv3d({ filters: 6, kernelSize: 3, padding: 'same', useBias: false }).apply(input);
    h = new ChannelBatchNorm().apply(h);
    h = tf.layers.reLU().apply(h);
    h = new GlobalAveragePooling3D().apply(h);
    const output = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(h) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output });
    model.compile({ optimizer: tf.train.adam(0.02), loss: 'categoricalCrossentropy' });
    const labels = [0, 1, 2, 0, 1, 2, 0, 1];
    // Class k: channel 0 shifted by k, so the task is learnable.
    const xs = tf.tensor5d(
      randomArray(8 * 4 * 6 * 6 * 2, 62).map((v, i) => v + (i % 2 === 0 ? labels[Math.floor(i / 288)]! : 0)),
      [8, 4, 6, 6, 2],
    );
    const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
    const losses: number[] = [];
    const counts: number[] = [];
    const profile = await tf.profile(async () => {
      losses.push((await model.trainOnBatch(xs, ys)) as number);
    });
    assertFused('model', profile.kernelNames, true);
    for (let i = 0; i < 20; i++) {
      losses.push((await model.trainOnBatch(xs, ys)) as number);
      counts.push(tf.memory().numTensors);
    }
    assert.ok(losses[20]! < losses[0]! * 0.7, `loss ${losses[0]} → ${losses[20]}`);
    assert.deepEqual(new Set(counts.slice(1)).size, 1, `tensor counts per step: ${counts.join(', ')}`);
    tf.dispose([xs, ys]);
    model.dispose();
  });
});
