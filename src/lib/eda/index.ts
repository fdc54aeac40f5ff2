/**
 * Exploratory data analysis of a video dataset: `explore(root)` probes every
 * item, summarises, and (optionally) draws a sample frame grid.
 */
export * from './public';
