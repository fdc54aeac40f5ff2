/**
 * Extraction throughput: `extractDataset` against bare `ffmpeg ... -f rawvideo`
 * to /dev/null on the same files, with the same filters, output size, pixel
 * format and parallelism (one single-threaded ffmpeg per file, K at once), in
 * the same run, alternating which goes first. Frames/s counts source frames
 * decoded. Last line is JSON:
 * {"fps_actlab":..,"fps_ffmpeg":..,"ratio":..,"peak_rss_mb":..}.
 *
 * Usage: node out/test-build/bench/extract.js [DATASET] [--repeat N]
 * (default: the bundled synthetic set, generated on first use).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { loadDataset } from '../src/lib/data';
import { ensureBundledDataset } from '../src/lib/synth';
import { extractDataset, probe, rawFrameArgs, spawnTool } from '../src/lib/video';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const repeatAt = args.indexOf('--repeat');
  const repeat = repeatAt >= 0 ? Number(args[repeatAt + 1]) : 1;
  const root = args[0] && !args[0].startsWith('--') ? args[0] : await ensureBundledDataset();
  const loaded = loadDataset(root);
  // Both sides get the same video files (image and frame-folder items are left out).
  const dataset = { ...loaded, items: loaded.items.filter((i) => i.kind === 'video') };
  const workers = os.cpus().length;
  const files = dataset.items.map((i) => i.path);
  let sourceFrames = 0;
  for (const file of files) sourceFrames += (await probe(file)).frames;
  const settings = { width: 32, height: 32, pixelFormat: 'gray' as const };

  const timeActlab = async (): Promise<number> => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'actlab-bench-'));
    const started = process.hrtime.bigint();
    await extractDataset(dataset, { out, frames: 16, ...settings, workers });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    fs.rmSync(out, { recursive: true, force: true });
    return seconds;
  };
  const timeFfmpeg = async (): Promise<number> => {
    const started = process.hrtime.bigint();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < files.length) {
        const file = files[next++] as string;
        const argv = rawFrameArgs(file, settings, settings).slice(0, -1).concat('-y', '/dev/null');
        await new Promise<void>((resolve, reject) => {
          const child = spawnTool('ffmpeg', argv, { stdio: 'ignore' });
          child.on('error', reject);
          child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg failed on ${file}`))));
        });
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
    return Number(process.hrtime.bigint() - started) / 1e9;
  };

  // Alternate which goes first, so a change in machine load hits both alike.
  let actlabSeconds = 0;
  let ffmpegSeconds = 0;
  for (let r = 0; r < repeat; r++) {
    if (r % 2 === 0) {
      actlabSeconds += await timeActlab();
      ffmpegSeconds += await timeFfmpeg();
    } else {
      ffmpegSeconds += await timeFfmpeg();
      actlabSeconds += await timeActlab();
    }
  }

  const fpsActlab = (sourceFrames * repeat) / actlabSeconds;
  const fpsFfmpeg = (sourceFrames * repeat) / ffmpegSeconds;
  console.log(
    `${files.length} files, ${sourceFrames} frames, ${workers} workers, x${repeat}: actlab ${actlabSeconds.toFixed(2)}s, ffmpeg ${ffmpegSeconds.toFixed(2)}s`,
  );
  console.log(
    JSON.stringify({
      fps_actlab: Math.round(fpsActlab),
      fps_ffmpeg: Math.round(fpsFfmpeg),
      ratio: Number((fpsActlab / fpsFfmpeg).toFixed(3)),
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
