/** Run by `npm ci` (prepare): links node_modules/actlab to this checkout and makes the bundled ffmpeg/ffprobe runnable by every user. */
import { ensureSelfLink } from '../lib/util/self-link';
import { ensureBundledToolsExecutable } from '../lib/video/ffmpeg';

ensureSelfLink();
ensureBundledToolsExecutable();
