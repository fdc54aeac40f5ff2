/**
 * One thread's share of a convolution kernel, as plain data that can cross to
 * a worker thread: the big arrays are views of SharedArrayBuffers, so posting
 * a job copies no tensor data.
 */
import type { ConvGeometry } from './conv-geometry';
import { convBackpropFilterRows, convBackpropInputInto, convForwardRows } from './conv-im2col';
import type { Gemm } from './gemm';

export type ConvJob =
  /** Rows [rowStart, rowEnd) of y. */
  | {
      readonly kind: 'forward';
      readonly g: ConvGeometry;
      readonly x: Float32Array;
      readonly filter: Float32Array;
      readonly rowStart: number;
      readonly rowEnd: number;
      readonly y: Float32Array;
    }
  /** The filter gradient of rows [rowStart, rowEnd), written (not added) to `filterGrad`. */
  | {
      readonly kind: 'filterGrad';
      readonly g: ConvGeometry;
      readonly x: Float32Array;
      readonly dy: Float32Array;
      readonly rowStart: number;
      readonly rowEnd: number;
      readonly filterGrad: Float32Array;
    }
  /** dx of a run of whole samples: `g.batch` is the run's length, dy and dx are its slices. */
  | {
      readonly kind: 'inputGrad';
      readonly g: ConvGeometry;
      readonly dy: Float32Array;
      readonly filter: Float32Array;
      readonly dx: Float32Array;
    };

export function runConvJob(job: ConvJob, gemm: Gemm): void {
  switch (job.kind) {
    case 'forward':
      convForwardRows(job.x, job.filter, job.g, gemm, job.rowStart, job.rowEnd, job.y);
      return;
    case 'filterGrad':
      job.filterGrad.fill(0);
      convBackpropFilterRows(job.x, job.dy, job.g, gemm, job.rowStart, job.rowEnd, job.filterGrad);
      return;
    case 'inputGrad':
      job.dx.fill(0);
      convBackpropInputInto(job.dy, job.filter, job.g, gemm, job.dx);
      return;
  }
}
