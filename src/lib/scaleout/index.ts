export { mergeCaches, type MergeOptions, type MergeResult, type ShardProblem } from './merge';
