export * from './public';
export { detectArchive, findRarTool, RAR_HELP } from './archive';
