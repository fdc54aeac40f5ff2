export * from './public';
export { clipGif, clipStripPng } from './media';
export { bundleScript, plotlyBundle, standaloneHtml } from './render';
export { ensurePlotlyInNotebook, figureMimeBundle } from './show';
