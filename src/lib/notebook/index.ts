export { displayData, escapeHtml, inNotebook, keyValueTable, showHtml } from './display';
export { createProgressBar, type ProgressBar } from './progress';
