export { escapeHtml, inNotebook, keyValueTable, showHtml } from './display';
