/**
 * Float64 reference implementations (direct loops, no im2col) of conv3d, its
 * two gradients and max-pool 3d, written from the TensorFlow definitions
 * independently of src/lib/kernels. 2-D cases are run with depth 1.
 */

export type Shape5 = [number, number, number, number, number];
export type Triple = [number, number, number];

export interface RefConv {
  readonly xShape: Shape5;
  /** [kD,kH,kW,C,outC] */
  readonly filterShape: Shape5;
  readonly strides: Triple;
  readonly padding: 'same' | 'valid';
}

interface Axis {
  readonly out: number;
  readonly padBefore: number;
}

/** TensorFlow's output size and leading pad for one spatial axis. */
export function axisGeometry(size: number, kernel: number, stride: number, padding: 'same' | 'valid'): Axis {
  if (padding === 'valid') return { out: Math.ceil((size - kernel + 1) / stride), padBefore: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max(0, (out - 1) * stride + kernel - size);
  return { out, padBefore: Math.floor(total / 2) };
}

export function refOutShape(c: RefConv): Shape5 {
  const [n, d, h, w] = c.xShape;
  const axes = [d, h, w].map((size, i) => axisGeometry(size, c.filterShape[i]!, c.strides[i]!, c.padding).out);
  return [n, axes[0]!, axes[1]!, axes[2]!, c.filterShape[4]];
}

/** Calls visit(xIndex, filterIndex, yIndex) for every multiply of the convolution. */
function forEachMac(c: RefConv, visit: (xi: number, fi: number, yi: number) => void): void {
  const [n, d, h, w, ci] = c.xShape;
  const [kd, kh, kw, , co] = c.filterShape;
  const ad = axisGeometry(d, kd, c.strides[0], c.padding);
  const ah = axisGeometry(h, kh, c.strides[1], c.padding);
  const aw = axisGeometry(w, kw, c.strides[2], c.padding);
  for (let b = 0; b < n; b++)
    for (let od = 0; od < ad.out; od++)
      for (let oh = 0; oh < ah.out; oh++)
        for (let ow = 0; ow < aw.out; ow++)
          for (let fd = 0; fd < kd; fd++)
            for (let fh = 0; fh < kh; fh++)
              for (let fw = 0; fw < kw; fw++) {
                const id = od * c.strides[0] - ad.padBefore + fd;
                const ih = oh * c.strides[1] - ah.padBefore + fh;
                const iw = ow * c.strides[2] - aw.padBefore + fw;
                if (id < 0 || id >= d || ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                for (let i = 0; i < ci; i++)
                  for (let o = 0; o < co; o++) {
                    const xi = (((b * d + id) * h + ih) * w + iw) * ci + i;
                    const fi = (((fd * kh + fh) * kw + fw) * ci + i) * co + o;
                    const yi = (((b * ad.out + od) * ah.out + oh) * aw.out + ow) * co + o;
                    visit(xi, fi, yi);
                  }
              }
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function refConv(c: RefConv, x: ArrayLike<number>, filter: ArrayLike<number>): Float64Array {
  const y = new Float64Array(size(refOutShape(c)));
  forEachMac(c, (xi, fi, yi) => (y[yi]! += x[xi]! * filter[fi]!));
  return y;
}

export function refConvBackpropInput(c: RefConv, dy: ArrayLike<number>, filter: ArrayLike<number>): Float64Array {
  const dx = new Float64Array(size(c.xShape));
  forEachMac(c, (xi, fi, yi) => (dx[xi]! += dy[yi]! * filter[fi]!));
  return dx;
}

export function refConvBackpropFilter(c: RefConv, x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  const df = new Float64Array(size(c.filterShape));
  forEachMac(c, (xi, fi, yi) => (df[fi]! += x[xi]! * dy[yi]!));
  return df;
}

export interface RefPool {
  readonly xShape: Shape5;
  readonly filter: Triple;
  readonly strides: Triple;
  readonly padding: 'same' | 'valid';
}

/** Max pool and the index of each window's maximum (padding never wins). */
export function refMaxPool3d(p: RefPool, x: ArrayLike<number>): { y: Float64Array; argmax: Int32Array; shape: Shape5 } {
  const [n, d, h, w, ch] = p.xShape;
  const a = [d, h, w].map((s, i) => axisGeometry(s, p.filter[i]!, p.strides[i]!, p.padding));
  const shape: Shape5 = [n, a[0]!.out, a[1]!.out, a[2]!.out, ch];
  const y = new Float64Array(size(shape));
  const argmax = new Int32Array(y.length).fill(-1);
  let yi = 0;
  for (let b = 0; b < n; b++)
    for (let od = 0; od < shape[1]; od++)
      for (let oh = 0; oh < shape[2]; oh++)
        for (let ow = 0; ow < shape[3]; ow++)
          for (let c = 0; c < ch; c++, yi++) {
            let best = -Infinity;
            for (let fd = 0; fd < p.filter[0]; fd++)
              for (let fh = 0; fh < p.filter[1]; fh++)
                for (let fw = 0; fw < p.filter[2]; fw++) {
                  const id = od * p.strides[0] - a[0]!.padBefore + fd;
                  const ih = oh * p.strides[1] - a[1]!.padBefore + fh;
                  const iw = ow * p.strides[2] - a[2]!.padBefore + fw;
                  if (id < 0 || id >= d || ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                  const xi = (((b * d + id) * h + ih) * w + iw) * ch + c;
                  if (x[xi]! > best) {
                    best = x[xi]!;
                    argmax[yi] = xi;
                  }
                }
            y[yi] = best;
          }
  return { y, argmax, shape };
}

/** Largest |a−b| over the largest |b|: one number per comparison. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs expected ${expected.length}`);
  let maxDiff = 0;
  let scale = 1e-12;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return maxDiff / scale;
}

/** Deterministic values in [-1, 1) (mulberry32), so failures reproduce. */
export function randomArray(length: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}
