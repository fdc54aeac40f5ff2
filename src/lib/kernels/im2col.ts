/**
 * im2col / col2im on flat channels-last arrays: turn a convolution into a
 * matrix product. Row m of the column matrix is the receptive field of output
 * position m (in N,oD,oH,oW order); column k is (kd,kh,kw,c), which matches the
 * tfjs filter layout [kD,kH,kW,C,outC] flattened to [K,outC].
 */
import type { ConvGeometry } from './conv-geometry';

/** True when the column matrix is x itself (1×1×1 filter, stride 1, no padding). */
export function isPointwise(g: ConvGeometry): boolean {
  return (
    g.filterDepth * g.filterHeight * g.filterWidth === 1 &&
    g.strideDepth * g.strideHeight * g.strideWidth === 1 &&
    g.padFront + g.padTop + g.padLeft === 0
  );
}

/** Writes rows [rowStart, rowEnd) of the column matrix of x into cols (row-major, K columns). */
export function fillColumns(
  x: Float32Array,
  g: ConvGeometry,
  rowStart: number,
  rowEnd: number,
  cols: Float32Array,
): void {
  if (isPointwise(g)) {
    cols.set(x.subarray(rowStart * g.inChannels, rowEnd * g.inChannels));
    return;
  }
  walkColumns(g, rowStart, rowEnd, x, cols, false);
}

/** Adds rows [rowStart, rowEnd) of a column-matrix gradient back onto dx (the transpose of fillColumns). */
export function scatterColumns(
  cols: Float32Array,
  g: ConvGeometry,
  rowStart: number,
  rowEnd: number,
  dx: Float32Array,
): void {
  if (isPointwise(g)) {
    dx.set(cols.subarray(0, (rowEnd - rowStart) * g.inChannels), rowStart * g.inChannels);
    return;
  }
  walkColumns(g, rowStart, rowEnd, dx, cols, true);
}

/**
 * The shared loop nest: copies x → cols (gather) or adds cols → x (scatter).
 * Loops are written out by hand (no per-tap callback) because this is the hot
 * path: with dilation 1, the kW taps of one filter row are kW·C contiguous
 * floats in x, so an in-bounds row is a single flat copy.
 */
function walkColumns(
  g: ConvGeometry,
  rowStart: number,
  rowEnd: number,
  x: Float32Array,
  cols: Float32Array,
  scatter: boolean,
): void {
  const c = g.inChannels;
  const rowStrideX = g.inWidth * c;
  const depthStrideX = g.inHeight * rowStrideX;
  const batchStrideX = g.inDepth * depthStrideX;
  const outPlane = g.outHeight * g.outWidth;
  const outVolume = g.outDepth * outPlane;
  const tapSpan = g.filterWidth * c;
  const contiguousRow = g.dilationWidth === 1;
  let col = 0;
  for (let m = rowStart; m < rowEnd; m++) {
    const n = Math.floor(m / outVolume);
    let rest = m - n * outVolume;
    const od = Math.floor(rest / outPlane);
    rest -= od * outPlane;
    const oh = Math.floor(rest / g.outWidth);
    const ow = rest - oh * g.outWidth;
    const d0 = od * g.strideDepth - g.padFront;
    const h0 = oh * g.strideHeight - g.padTop;
    const w0 = ow * g.strideWidth - g.padLeft;
    const rowInside = contiguousRow && w0 >= 0 && w0 + g.filterWidth <= g.inWidth;
    for (let kd = 0; kd < g.filterDepth; kd++) {
      const d = d0 + kd * g.dilationDepth;
      for (let kh = 0; kh < g.filterHeight; kh++) {
        const h = h0 + kh * g.dilationHeight;
        if (d < 0 || d >= g.inDepth || h < 0 || h >= g.inHeight) {
          if (!scatter) cols.fill(0, col, col + tapSpan);
          col += tapSpan;
          continue;
        }
        const xRow = n * batchStrideX + d * depthStrideX + h * rowStrideX;
        if (rowInside) {
          let xi = xRow + w0 * c;
          const end = col + tapSpan;
          if (scatter) for (; col < end; col++, xi++) x[xi]! += cols[col]!;
          else for (; col < end; col++, xi++) cols[col] = x[xi]!;
          continue;
        }
        for (let kw = 0; kw < g.filterWidth; kw++) {
          const w = w0 + kw * g.dilationWidth;
          const end = col + c;
          if (w < 0 || w >= g.inWidth) {
            if (!scatter) cols.fill(0, col, end);
            col = end;
            continue;
          }
          let xi = xRow + w * c;
          if (scatter) for (; col < end; col++, xi++) x[xi]! += cols[col]!;
          else for (; col < end; col++, xi++) cols[col] = x[xi]!;
        }
      }
    }
  }
}

/**
 * Writes the transpose of rows [rowStart, rowEnd) of the column matrix into
 * colsT [K, rows] directly, for the filter gradient (colsᵀ·dy). Walking taps in
 * the outer loop keeps every write stream contiguous; a separate transpose of
 * the column matrix would miss cache on each store.
 */
export function fillColumnsTransposed(
  x: Float32Array,
  g: ConvGeometry,
  rowStart: number,
  rowEnd: number,
  colsT: Float32Array,
): void {
  const c = g.inChannels;
  const rows = rowEnd - rowStart;
  const rowStrideX = g.inWidth * c;
  const depthStrideX = g.inHeight * rowStrideX;
  const batchStrideX = g.inDepth * depthStrideX;
  // Output-position coordinates of each row, decoded once for all taps.
  const rowBase = new Int32Array(rows);
  const rowD = new Int32Array(rows);
  const rowH = new Int32Array(rows);
  const rowW = new Int32Array(rows);
  const outPlane = g.outHeight * g.outWidth;
  const outVolume = g.outDepth * outPlane;
  for (let r = 0; r < rows; r++) {
    const m = rowStart + r;
    const n = Math.floor(m / outVolume);
    let rest = m - n * outVolume;
    const od = Math.floor(rest / outPlane);
    rest -= od * outPlane;
    const oh = Math.floor(rest / g.outWidth);
    rowBase[r] = n * batchStrideX;
    rowD[r] = od * g.strideDepth - g.padFront;
    rowH[r] = oh * g.strideHeight - g.padTop;
    rowW[r] = (rest - oh * g.outWidth) * g.strideWidth - g.padLeft;
  }
  let tap = 0;
  for (let kd = 0; kd < g.filterDepth; kd++) {
    for (let kh = 0; kh < g.filterHeight; kh++) {
      for (let kw = 0; kw < g.filterWidth; kw++, tap++) {
        const dOff = kd * g.dilationDepth;
        const hOff = kh * g.dilationHeight;
        const wOff = kw * g.dilationWidth;
        const out = tap * c * rows;
        for (let r = 0; r < rows; r++) {
          const d = rowD[r]! + dOff;
          const h = rowH[r]! + hOff;
          const w = rowW[r]! + wOff;
          if (d < 0 || d >= g.inDepth || h < 0 || h >= g.inHeight || w < 0 || w >= g.inWidth) {
            for (let ch = 0; ch < c; ch++) colsT[out + ch * rows + r] = 0;
            continue;
          }
          const xi = rowBase[r]! + d * depthStrideX + h * rowStrideX + w * c;
          for (let ch = 0; ch < c; ch++) colsT[out + ch * rows + r] = x[xi + ch]!;
        }
      }
    }
  }
}
