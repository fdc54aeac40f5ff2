/**
 * The matrix product the convolution kernels are built on. Operands are
 * row-major float32; the caller fills them in place so a backend can hand out
 * memory it owns (the wasm heap) and skip a copy.
 */

/** C[m×n] = A[m×k] · B[k×n]. */
export interface Gemm {
  multiply(
    m: number,
    k: number,
    n: number,
    fillA: (a: Float32Array) => void,
    fillB: (b: Float32Array) => void,
    /** Receives C; the array is only valid during the call. */
    consume: (c: Float32Array) => void,
  ): void;
}

/** Plain typed-array GEMM (i-k-j order so the inner loop runs along rows): the cpu backend's engine. */
export const jsGemm: Gemm = {
  multiply(m, k, n, fillA, fillB, consume) {
    const a = new Float32Array(m * k);
    const b = new Float32Array(k * n);
    fillA(a);
    fillB(b);
    const c = new Float32Array(m * n);
    for (let i = 0; i < m; i++) {
      const cRow = i * n;
      for (let p = 0; p < k; p++) {
        const aip = a[i * k + p]!;
        if (aip === 0) continue;
        const bRow = p * n;
        for (let j = 0; j < n; j++) c[cRow + j]! += aip * b[bRow + j]!;
      }
    }
    consume(c);
  },
};

/** Tile edge for the blocked transpose: a 32×32 float tile is 4 KB, well inside L1. */
const TILE = 32;

/**
 * Writes the transpose of src [rows×cols] into dst [cols×rows]. Blocked, since a
 * naive loop writes with a stride of `rows` floats and misses cache on every
 * store once the matrix is larger than the cache.
 */
export function transposeInto(src: Float32Array, rows: number, cols: number, dst: Float32Array): void {
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(rows, r0 + TILE);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(cols, c0 + TILE);
      for (let r = r0; r < r1; r++) {
        const rowOffset = r * cols;
        for (let c = c0; c < c1; c++) dst[c * rows + r] = src[rowOffset + c]!;
      }
    }
  }
}
