export { ffmpegCommand, FfmpegMissingError, locateTool, type ToolInfo, type ToolName } from './ffmpeg';
