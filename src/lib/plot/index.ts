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
  clipGif,
  clipStripPng,
  type LabelledClip,
  type MediaOptions,
  showBatch,
  showClipAnimation,
  showFrames,
  showGrid,
  showMisclassified,
} from './media';
export { bundleScript, figureHtml, plotlyBundle, standaloneHtml } from './render';
export { ensurePlotlyInNotebook, figureMimeBundle, show, type ShowOptions } from './show';
