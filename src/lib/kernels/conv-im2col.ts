/**
 * Convolution forward and both gradients as im2col + GEMM, on flat
 * channels-last arrays. Rows are processed in chunks so the column matrix
 * stays around 16 MB whatever the batch size.
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
  const rows = outputPositions(g);
  const k = patchSize(g);
  const n = g.outChannels;
  const y = new Float32Array(rows * n);
  const step = chunkRows(g);
  for (let start = 0; start < rows; start += step) {
    const end = Math.min(rows, start + step);
    gemm.multiply(
      end - start,
      k,
      n,
      (a) => fillColumns(x, g, start, end, a),
      (b) => b.set(filter),
      (c) => y.set(c, start * n),
    );
  }
  return y;
}

/** dx = col2im(dy [M,outC] · filterᵀ [outC,K]); returns dx [N,D,H,W,C]. */
export function convBackpropInput(dy: Float32Array, filter: Float32Array, g: ConvGeometry, gemm: Gemm): Float32Array {
  const rows = outputPositions(g);
  const k = patchSize(g);
  const outC = g.outChannels;
  const dx = new Float32Array(g.batch * g.inDepth * g.inHeight * g.inWidth * g.inChannels);
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
  return dx;
}

/**
 * dfilter [K,outC] = colsᵀ [K,M] · dy [M,outC], summed over row chunks. dy is
 * the right operand because XNNPACK repacks the right operand on every call and
 * dy is far smaller than the column matrix.
 */
export function convBackpropFilter(x: Float32Array, dy: Float32Array, g: ConvGeometry, gemm: Gemm): Float32Array {
  const rows = outputPositions(g);
  const k = patchSize(g);
  const outC = g.outChannels;
  const filterGrad = new Float32Array(k * outC);
  const step = chunkRows(g);
  for (let start = 0; start < rows; start += step) {
    const end = Math.min(rows, start + step);
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
  return filterGrad;
}
