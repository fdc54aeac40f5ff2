/**
 * Plotly.js charts (bar, histogram, box, training curves, confusion heatmap,
 * LR range test, grouped bars), live training curves, frame strips, grids, GIF
 * previews, misclassified galleries.
 *
 * What the package root exports as `plot`; actlab's own code (CLI, tests)
 * imports the whole folder through ./index, also `actlab/internal`.
 *
 * @packageDocumentation
 */
export {
  type Axis,
  barChart,
  boxPlot,
  classCounts,
  type ConfusionOptions,
  confusionHeatmap,
  type ErrorBars,
  type Figure,
  groupedBar,
  type GroupedBarOptions,
  histogram,
  type Layout,
  lineChart,
  lrRangeScatter,
  type MetricHistory,
  type TitledOptions,
  type Trace,
  trainingCurves,
} from './figure';
export { type LiveChart, type LiveChartOptions, liveTrainingCurves } from './live';
export {
  type ClipInput,
  type ClipLike,
  type LabelledClip,
  type MediaOptions,
  showBatch,
  showClipAnimation,
  showFrames,
  showGrid,
  showMisclassified,
} from './media';
export { figureHtml } from './render';
export { show, type ShowOptions } from './show';
