export { createProgressBar, type ProgressBar } from '../lib/notebook/progress';
