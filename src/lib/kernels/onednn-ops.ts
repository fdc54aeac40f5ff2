/**
 * The onednn pack's versions of three stock ops a training step spends its
 * time in once the convolutions are fast: BatchMatMul (the dense layer; stock
 * wasm transposes an operand on one thread first), Sum/Mean over leading axes
 * (bias gradients) and Add of a per-channel row (bias add). Each takes the
 * case it is for and hands every other to the kernel registered before it.
 */
import * as tf from '@tensorflow/tfjs';

import type { TensorMemory } from './channel-norm';
import type { OneDnnAddon } from './onednn-addon';

type MemoryFor = (backend: object) => TensorMemory;

/** The kernel each wrapper replaced, captured once: later captures would find the wrapper itself. */
const previous = new Map<string, tf.KernelConfig>();

function wrap(
  kernelName: string,
  backendName: string,
  fast: (args: Parameters<tf.KernelFunc>[0]) => tf.TensorInfo | undefined,
): tf.KernelConfig[] {
  const key = `${backendName}/${kernelName}`;
  const fallback = previous.get(key) ?? tf.getKernel(kernelName, backendName);
  if (!fallback) return [];
  previous.set(key, fallback);
  return [
    {
      kernelName,
      backendName,
      setupFunc: fallback.setupFunc,
      kernelFunc: (args) => fast(args) ?? fallback.kernelFunc(args),
    },
  ];
}

const allFloat32 = (...ts: tf.TensorInfo[]) => ts.every((t) => t.dtype === 'float32');

function batchMatMul(backendName: string, memoryFor: MemoryFor, addon: OneDnnAddon): tf.KernelConfig[] {
  return wrap(tf.BatchMatMul, backendName, ({ inputs, backend, attrs }) => {
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    if (!allFloat32(a, b) || a.shape.length < 2 || b.shape.length < 2) return undefined;
    const batchShapeA = a.shape.slice(0, -2);
    const batchShapeB = b.shape.slice(0, -2);
    const batchA = tf.util.sizeFromShape(batchShapeA);
    const batchB = tf.util.sizeFromShape(batchShapeB);
    // Equal batch shapes, or one side a single matrix; other broadcasts go to the stock kernel.
    const same = batchShapeA.join() === batchShapeB.join();
    if (!same && batchA !== 1 && batchB !== 1) return undefined;
    const [m, k] = transposeA ? [a.shape.at(-1)!, a.shape.at(-2)!] : [a.shape.at(-2)!, a.shape.at(-1)!];
    const [kb, n] = transposeB ? [b.shape.at(-1)!, b.shape.at(-2)!] : [b.shape.at(-2)!, b.shape.at(-1)!];
    if (k !== kb) return undefined; // the stock kernel throws its own error
    const batchShape = tf.backend_util.assertAndGetBroadcastShape(batchShapeA, batchShapeB);
    const [out] = memoryFor(backend).compute([a, b], [[...batchShape, m, n]], ([av, bv], [ov]) =>
      addon.matMul(av!, bv!, ov!, batchA, batchB, m, k, n, transposeA ? 1 : 0, transposeB ? 1 : 0),
    );
    return out;
  });
}

function leadingReduce(kernelName: string, backendName: string, memoryFor: MemoryFor, addon: OneDnnAddon) {
  return wrap(kernelName, backendName, ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = attrs as unknown as tf.SumAttrs; // MeanAttrs has the same fields
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
    const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((p, i) => p === i);
    if (!leading || !allFloat32(x)) return undefined;
    const innerShape = x.shape.slice(axes.length);
    const cols = tf.util.sizeFromShape(innerShape);
    const rows = tf.util.sizeFromShape(x.shape) / cols;
    if (rows === 0 || cols === 0) return undefined;
    const outShape = keepDims ? [...axes.map(() => 1), ...innerShape] : innerShape;
    const [out] = memoryFor(backend).compute([x], [outShape], ([xv], [ov]) =>
      addon.reduceRows(xv!, ov!, rows, cols, kernelName === tf.Mean ? 1 : 0),
    );
    return out;
  });
}

function addRow(backendName: string, memoryFor: MemoryFor, addon: OneDnnAddon): tf.KernelConfig[] {
  return wrap(tf.Add, backendName, ({ inputs, backend }) => {
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (!allFloat32(a, b)) return undefined;
    const sizeA = tf.util.sizeFromShape(a.shape);
    const sizeB = tf.util.sizeFromShape(b.shape);
    const [big, row] = sizeA >= sizeB ? [a, b] : [b, a];
    const cols = row.shape.at(-1);
    // Only x [..., C] + row [C] (or [1, ..., 1, C]) whose sum has x's shape.
    const rowOnly = row.shape.slice(0, -1).every((d) => d === 1) && row.shape.length <= big.shape.length;
    if (!rowOnly || cols === undefined || cols === 0 || big.shape.at(-1) !== cols || sizeA === sizeB) return undefined;
    const rows = tf.util.sizeFromShape(big.shape) / cols;
    const [out] = memoryFor(backend).compute([big, row], [big.shape], ([xv, rv], [ov]) =>
      addon.addRow(xv!, rv!, ov!, rows, cols),
    );
    return out;
  });
}

/** The wrapped BatchMatMul, Sum, Mean and Add for `backendName` (call after the packs they wrap are applied). */
export function oneDnnOpConfigs(backendName: string, memoryFor: MemoryFor, addon: OneDnnAddon): tf.KernelConfig[] {
  return [
    ...batchMatMul(backendName, memoryFor, addon),
    ...leadingReduce(tf.Sum, backendName, memoryFor, addon),
    ...leadingReduce(tf.Mean, backendName, memoryFor, addon),
    ...addRow(backendName, memoryFor, addon),
  ];
}
