/**
 * Extraction throughput: `extractDataset` against bare `ffmpeg ... -f rawvideo`
 * to /dev/null on the same files, with the same filters and parallelism, in
 * the same run. Frames/s counts source frames decoded. Last line is JSON:
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
  const dataset = loadDataset(root);
  const workers = os.cpus().length;
  const files = dataset.items.filter((i) => i.kind === 'video').map((i) => i.path);
  let sourceFrames = 0;
  for (const file of files) sourceFrames += (await probe(file)).frames;
  const settings = { width: 32, height: 32, pixelFormat: 'gray' as const };

  let actlabSeconds = 0;
  for (let r = 0; r < repeat; r++) {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'actlab-bench-'));
    const started = process.hrtime.bigint();
    await extractDataset(dataset, { out, frames: 16, ...settings, workers });
    actlabSeconds += Number(process.hrtime.bigint() - started) / 1e9;
    fs.rmSync(out, { recursive: true, force: true });
  }

  let ffmpegSeconds = 0;
  for (let r = 0; r < repeat; r++) {
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
    ffmpegSeconds += Number(process.hrtime.bigint() - started) / 1e9;
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
