/**
 * Convolution forward and both gradients as im2col + GEMM, on flat
 * channels-last arrays. Rows are processed in chunks so the column matrix
 * stays around 16 MB whatever the batch size. The `*Rows` forms work on a
 * range of output positions, so threads can share one convolution.
 */
import { type ConvGeometry, outputPositions, patchSize } from './conv-geometry';
import { type Gemm, transposeInto } from './gemm';
import { fillColumns, fillColumnsTransposed, isPointwise, scatterColumns } from './im2col';

/** Floats in one chunk of the column matrix. */
const CHUNK_FLOATS = 1 << 22;

function chunkRows(g: ConvGeometry): number {
  return Math.max(1, Math.floor(CHUNK_FLOATS / patchSize(g)));
}

/** y [M,outC] = cols(x) [M,K] · filter [K,outC]. x is [N,D,H,W,C]; filter is [kD,kH,kW,C,outC]. */
export function convForward(x: Float32Array, filter: Float32Array, g: ConvGeometry, gemm: Gemm): Float32Array {
  const y = new Float32Array(outputPositions(g) * g.outChannels);
  convForwardRows(x, filter, g, gemm, 0, outputPositions(g), y);
  return y;
}

/** Rows [rowStart, rowEnd) of the forward output, written into y (the whole [M,outC] output). */
export function convForwardRows(
  x: Float32Array,
  filter: Float32Array,
  g: ConvGeometry,
  gemm: Gemm,
  rowStart: number,
  rowEnd: number,
  y: Float32Array,
): void {
  const k = patchSize(g);
  const n = g.outChannels;
  const step = chunkRows(g);
  for (let start = rowStart; start < rowEnd; start += step) {
    const end = Math.min(rowEnd, start + step);
    gemm.multiply(
      end - start,
      k,
      n,
      (a) => fillColumns(x, g, start, end, a),
      (b) => b.set(filter),
      (c) => y.set(c, start * n),
    );
  }
}

/** dx = col2im(dy [M,outC] · filterᵀ [outC,K]); returns dx [N,D,H,W,C]. */
export function convBackpropInput(dy: Float32Array, filter: Float32Array, g: ConvGeometry, gemm: Gemm): Float32Array {
  const dx = new Float32Array(g.batch * g.inDepth * g.inHeight * g.inWidth * g.inChannels);
  convBackpropInputInto(dy, filter, g, gemm, dx);
  return dx;
}

/** {@link convBackpropInput} into dx, which must be zero (col2im adds onto it). */
export function convBackpropInputInto(
  dy: Float32Array,
  filter: Float32Array,
  g: ConvGeometry,
  gemm: Gemm,
  dx: Float32Array,
): void {
  const rows = outputPositions(g);
  const k = patchSize(g);
  const outC = g.outChannels;
  const filterT = new Float32Array(k * outC);
  transposeInto(filter, k, outC, filterT);
  const step = chunkRows(g);
  for (let start = 0; start < rows; start += step) {
    const end = Math.min(rows, start + step);
    gemm.multiply(
      end - start,
      outC,
      k,
      (a) => a.set(dy.subarray(start * outC, end * outC)),
      (b) => b.set(filterT),
      (c) => scatterColumns(c, g, start, end, dx),
    );
  }
}

/** dfilter [K,outC] = colsᵀ [K,M] · dy [M,outC]. */
export function convBackpropFilter(x: Float32Array, dy: Float32Array, g: ConvGeometry, gemm: Gemm): Float32Array {
  const filterGrad = new Float32Array(patchSize(g) * g.outChannels);
  convBackpropFilterRows(x, dy, g, gemm, 0, outputPositions(g), filterGrad);
  return filterGrad;
}

/**
 * Adds the filter gradient of rows [rowStart, rowEnd) onto filterGrad [K,outC].
 * dy is the right operand because XNNPACK repacks the right operand on every
 * call and dy is far smaller than the column matrix.
 */
export function convBackpropFilterRows(
  x: Float32Array,
  dy: Float32Array,
  g: ConvGeometry,
  gemm: Gemm,
  rowStart: number,
  rowEnd: number,
  filterGrad: Float32Array,
): void {
  const k = patchSize(g);
  const outC = g.outChannels;
  const step = chunkRows(g);
  for (let start = rowStart; start < rowEnd; start += step) {
    const end = Math.min(rowEnd, start + step);
    gemm.multiply(
      k,
      end - start,
      outC,
      (a) =>
        isPointwise(g)
          ? transposeInto(x.subarray(start * k, end * k), end - start, k, a)
          : fillColumnsTransposed(x, g, start, end, a),
      (b) => b.set(dy.subarray(start * outC, end * outC)),
      (c) => {
        for (let i = 0; i < c.length; i++) filterGrad[i]! += c[i]!;
      },
    );
  }
}
