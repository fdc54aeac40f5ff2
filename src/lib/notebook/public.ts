/**
 * Display helpers and progress bars that update in place in a notebook and
 * draw on stderr in a terminal.
 *
 * What the package root exports as `notebook`; actlab's own code (CLI, tests)
 * imports the whole folder through ./index, also `actlab/internal`.
 *
 * @packageDocumentation
 */
export { displayData, inNotebook, showHtml } from './display';
export { exerciseEpochs } from './exercise';
export { InterruptedError, type InterruptScope, interruptScope } from './interrupt';
export { createProgressBar, type ProgressBar, type ProgressBarOptions } from './progress';
