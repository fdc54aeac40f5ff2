/**
 * Training-mode batch normalization over the last (channel) axis as two fused
 * kernels: `ActlabChannelNormForward` (batch statistics and the normalized
 * output in two passes over x) and `ActlabChannelNormBackward` (the gradients
 * with respect to x, gamma and beta in two passes). Differentiating tf.moments
 * and the elementwise ops instead costs ~15 passes over the activation.
 * Both read and write the backend's memory in place (no copies).
 */
import * as tf from '@tensorflow/tfjs';

/** Kernel name: inputs `{ x, gamma, beta }`, attrs {@link ChannelNormAttrs}; outputs `[y, mean, variance]`. */
export const CHANNEL_NORM_FORWARD = 'ActlabChannelNormForward';
/** Kernel name: inputs `{ dy, x, mean, variance, gamma }`, attrs {@link ChannelNormAttrs}; outputs `[dx, dgamma, dbeta]`. */
export const CHANNEL_NORM_BACKWARD = 'ActlabChannelNormBackward';

export interface ChannelNormAttrs {
  /** Added to the variance before the square root. */
  readonly epsilon: number;
}

/** Floats per block of rows: each channel's strided loop over a block stays in L1 (3–5× a row-by-row loop). */
const BLOCK_FLOATS = 8192;

/** Rows per block for `channels` channels. */
function blockRows(channels: number): number {
  return Math.max(1, Math.floor(BLOCK_FLOATS / channels));
}

/** Flat channels-last arrays of one call: x (and dy) viewed as [rows, channels]. */
interface Flat {
  readonly rows: number;
  readonly channels: number;
}

/** 1/sqrt(variance + epsilon) per channel, in float64. */
function inverseStd(variance: Float32Array, epsilon: number): Float64Array {
  return Float64Array.from(variance, (v) => 1 / Math.sqrt(v + epsilon));
}

/**
 * Normalizes x [rows, channels] (channels-last, float32) with its own per-channel
 * statistics: y = (x − mean)·gamma/sqrt(variance + epsilon) + beta. Writes y (x's
 * length), the mean and the biased variance ([channels] each). Sums are float64
 * and shifted by the first row, so large offsets do not cancel the variance away.
 */
export function channelNormForward(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  epsilon: number,
  { rows, channels }: Flat,
  out: { y: Float32Array; mean: Float32Array; variance: Float32Array },
): void {
  const sum = new Float64Array(channels);
  const squares = new Float64Array(channels);
  const step = blockRows(channels);
  for (let r0 = 0; r0 < rows; r0 += step) {
    const end = Math.min(rows, r0 + step) * channels;
    for (let c = 0; c < channels; c++) {
      const shift = x[c]!;
      let s = 0;
      let q = 0;
      for (let i = r0 * channels + c; i < end; i += channels) {
        const d = x[i]! - shift;
        s += d;
        q += d * d;
      }
      sum[c]! += s;
      squares[c]! += q;
    }
  }
  const scale = new Float64Array(channels);
  const offset = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const shifted = sum[c]! / rows;
    const mean = x[c]! + shifted;
    const variance = Math.max(0, squares[c]! / rows - shifted * shifted);
    out.mean[c] = mean;
    out.variance[c] = variance;
    scale[c] = gamma[c]! / Math.sqrt(variance + epsilon);
    offset[c] = beta[c]! - mean * scale[c]!;
  }
  const y = out.y;
  for (let r0 = 0; r0 < rows; r0 += step) {
    const end = Math.min(rows, r0 + step) * channels;
    for (let c = 0; c < channels; c++) {
      const a = scale[c]!;
      const b = offset[c]!;
      for (let i = r0 * channels + c; i < end; i += channels) y[i] = x[i]! * a + b;
    }
  }
}

/**
 * Gradients of {@link channelNormForward} given dy [rows, channels], with the
 * batch statistics differentiated through: dbeta = Σdy, dgamma = Σdy·x̂,
 * dx = gamma·invstd/rows·(rows·dy − dbeta − x̂·dgamma), where x̂ = (x − mean)·invstd.
 */
export function channelNormBackward(
  dy: Float32Array,
  x: Float32Array,
  stats: { mean: Float32Array; variance: Float32Array; gamma: Float32Array },
  epsilon: number,
  { rows, channels }: Flat,
  out: { dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array },
): void {
  const { mean, gamma } = stats;
  const invstd = inverseStd(stats.variance, epsilon);
  const sumDy = new Float64Array(channels);
  const sumDyCentered = new Float64Array(channels);
  // The float32 mean is off by up to half an ulp (~5e-4 at 1e4): Σ(x − mean) recovers the float64 one.
  const sumCentered = new Float64Array(channels);
  const step = blockRows(channels);
  for (let r0 = 0; r0 < rows; r0 += step) {
    const end = Math.min(rows, r0 + step) * channels;
    for (let c = 0; c < channels; c++) {
      const m = mean[c]!;
      let s = 0;
      let q = 0;
      let t = 0;
      for (let i = r0 * channels + c; i < end; i += channels) {
        const g = dy[i]!;
        const centered = x[i]! - m;
        s += g;
        q += g * centered;
        t += centered;
      }
      sumDy[c]! += s;
      sumDyCentered[c]! += q;
      sumCentered[c]! += t;
    }
  }
  // dx = a·dy + b·x + d per channel, all in float64.
  const a = new Float64Array(channels);
  const b = new Float64Array(channels);
  const d = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const is = invstd[c]!;
    const dbeta = sumDy[c]!;
    const meanError = sumCentered[c]! / rows;
    const exactMean = mean[c]! + meanError;
    const dgamma = (sumDyCentered[c]! - meanError * dbeta) * is;
    out.dbeta[c] = dbeta;
    out.dgamma[c] = dgamma;
    a[c] = gamma[c]! * is;
    b[c] = (-a[c]! * is * dgamma) / rows;
    d[c] = (-a[c]! * dbeta) / rows - b[c]! * exactMean;
  }
  const dx = out.dx;
  for (let r0 = 0; r0 < rows; r0 += step) {
    const end = Math.min(rows, r0 + step) * channels;
    for (let c = 0; c < channels; c++) {
      const ac = a[c]!;
      const bc = b[c]!;
      const dc = d[c]!;
      for (let i = r0 * channels + c; i < end; i += channels) dx[i] = ac * dy[i]! + bc * x[i]! + dc;
    }
  }
}

/**
 * In-place access to a backend's tensor memory: outputs are allocated before
 * any view is taken, because a wasm heap growth detaches older views.
 */
export interface TensorMemory {
  /** Allocates float32 outputs of `shapes`, then calls `body` with views of `inputs` and of the outputs. */
  compute(
    inputs: readonly tf.TensorInfo[],
    shapes: readonly (readonly number[])[],
    body: (inputs: Float32Array[], outputs: Float32Array[]) => void,
  ): tf.TensorInfo[];
}

/** The parts of tfjs-backend-wasm's BackendWasm used here. */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

/** The parts of tfjs-backend-cpu's MathBackendCPU used here. */
interface CpuBackendLike {
  data: { get(dataId: tf.DataId): { values: tf.backend_util.BackendValues } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

/** Views straight into the wasm heap. */
export function wasmMemory(backend: object): TensorMemory {
  const wasm = backend as unknown as WasmBackendLike;
  return {
    compute(inputs, shapes, body) {
      const outputs = shapes.map((shape) => wasm.makeOutput([...shape], 'float32'));
      body(
        inputs.map((t) => wasm.typedArrayFromHeap(t)),
        outputs.map((t) => wasm.typedArrayFromHeap(t)),
      );
      return outputs;
    },
  };
}

/** The cpu backend's own typed arrays. */
export function cpuMemory(backend: object): TensorMemory {
  const cpu = backend as unknown as CpuBackendLike;
  return {
    compute(inputs, shapes, body) {
      const values = shapes.map((shape) => new Float32Array(tf.util.sizeFromShape([...shape])));
      body(
        inputs.map((t) => cpu.data.get(t.dataId).values as Float32Array),
        values,
      );
      return shapes.map((shape, i) => cpu.makeTensorInfo([...shape], 'float32', values[i]!));
    },
  };
}

/** Checks dtypes and that every per-channel input is [channels]; returns x's flat view. */
export function channelNormInputs(kernel: string, x: tf.TensorInfo, perChannel: Record<string, tf.TensorInfo>): Flat {
  const channels = x.shape[x.shape.length - 1];
  if (x.shape.length < 2 || channels === undefined || channels === 0) {
    throw new Error(`${kernel}: x must be channels-last [N,...,C] with C > 0; got x [${x.shape}]`);
  }
  for (const [name, t] of Object.entries({ x, ...perChannel })) {
    if (t.dtype !== 'float32') throw new Error(`${kernel}: ${name} must be float32; got ${t.dtype}`);
  }
  for (const [name, t] of Object.entries(perChannel)) {
    if (t.shape.length !== 1 || t.shape[0] !== channels) {
      throw new Error(`${kernel}: ${name} must be [${channels}] (x's last axis); got [${t.shape}]`);
    }
  }
  return { rows: tf.util.sizeFromShape(x.shape) / channels, channels };
}

/** The backward kernel's inputs and epsilon, checked (both kernel packs), with x's flat view. */
export function backwardInputs(
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap | undefined,
): Record<'dy' | 'x' | 'mean' | 'variance' | 'gamma', tf.TensorInfo> & { epsilon: number; flat: Flat } {
  const { dy, x, mean, variance, gamma } = inputs as Record<'dy' | 'x' | 'mean' | 'variance' | 'gamma', tf.TensorInfo>;
  const { epsilon } = attrs as unknown as ChannelNormAttrs;
  const flat = channelNormInputs(CHANNEL_NORM_BACKWARD, x, { mean, variance, gamma });
  if (dy.dtype !== 'float32' || dy.shape.join() !== x.shape.join()) {
    throw new Error(`${CHANNEL_NORM_BACKWARD}: dy must be float32 [${x.shape}] like x; got ${dy.dtype} [${dy.shape}]`);
  }
  return { dy, x, mean, variance, gamma, epsilon, flat };
}

/** The forward and backward kernel configs on `backendName`. */
export function channelNormKernelConfigs(
  backendName: string,
  memoryFor: (backend: object) => TensorMemory,
): tf.KernelConfig[] {
  return [
    {
      kernelName: CHANNEL_NORM_FORWARD,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { x, gamma, beta } = inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
        const { epsilon } = attrs as unknown as ChannelNormAttrs;
        const flat = channelNormInputs(CHANNEL_NORM_FORWARD, x, { gamma, beta });
        const stat = [flat.channels];
        return memoryFor(backend).compute([x, gamma, beta], [x.shape, stat, stat], ([xv, g, b], [y, mean, variance]) =>
          channelNormForward(xv!, g!, b!, epsilon, flat, { y: y!, mean: mean!, variance: variance! }),
        );
      },
    },
    {
      kernelName: CHANNEL_NORM_BACKWARD,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { dy, x, mean, variance, gamma, epsilon, flat } = backwardInputs(inputs, attrs);
        const stat = [flat.channels];
        return memoryFor(backend).compute(
          [dy, x, mean, variance, gamma],
          [x.shape, stat, stat],
          ([dyv, xv, m, v, g], [dx, dgamma, dbeta]) =>
            channelNormBackward(dyv!, xv!, { mean: m!, variance: v!, gamma: g! }, epsilon, flat, {
              dx: dx!,
              dgamma: dgamma!,
              dbeta: dbeta!,
            }),
        );
      },
    },
  ];
}
