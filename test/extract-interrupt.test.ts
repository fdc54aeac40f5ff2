import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { openClipCache } from '../src/lib/video';
import { CLI, lastJson, makeExtractDataset, makeTestVideo, runCli, tempDir } from './helpers/fixtures';

interface Interrupted {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts `actlab ...args`, sends it SIGINT once `ready(stderr)` holds, and waits for it to exit. */
async function interruptCli(args: string[], ready: (stderr: string) => boolean): Promise<Interrupted> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (code, signal) => resolve([code, signal])),
  );
  const poll = setInterval(() => {
    if (ready(stderr)) {
      clearInterval(poll);
      child.kill('SIGINT');
    }
  }, 5);
  const [code, signal] = await closed;
  clearInterval(poll);
  return { code, signal, stdout, stderr };
}

/** ffmpeg/ffprobe processes still running on files under `dir` (Linux /proc; empty elsewhere). */
async function toolsOn(dir: string): Promise<string[]> {
  if (!fs.existsSync('/proc/self/cmdline')) return [];
  let found: string[] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    found = [];
    for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      let cmd: string;
      try {
        cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      } catch {
        continue; // exited meanwhile
      }
      if (/ff(mpeg|probe)/.test(cmd) && cmd.includes(dir)) found.push(cmd);
    }
    if (found.length === 0) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return found;
}

test('extract: Ctrl-C keeps finished shards, kills ffmpeg, exits 130; the re-run resumes', async () => {
  const root = await makeExtractDataset();
  const out = path.join(tempDir(), 'cache');
  const args = ['extract', root, '--out', out, '--frames', '8', '--size', '16x16', '--clips-per-shard', '4', '--json'];
  const run = await interruptCli([...args, '--workers', '1'], () => fs.existsSync(path.join(out, 'shard-00000.json')));
  assert.deepEqual([run.code, run.signal], [130, null], run.stderr);
  const kept =
    /actlab: interrupted; kept (\d+) of 12 shard\(s\) \((\d+) clips\) in (.+); run the same command again to resume from them/.exec(
      run.stderr,
    );
  assert.ok(kept, run.stderr);
  assert.equal(kept[3], out);
  const shards = Number(kept[1]);
  assert.ok(shards >= 1 && shards < 12, `kept ${shards} shards`);
  assert.equal(Number(kept[2]), shards * 4);
  assert.equal(run.stdout, '', 'no result JSON for an interrupted run');
  assert.deepEqual(await toolsOn(root), [], 'no ffmpeg left running');
  assert.deepEqual(
    fs.readdirSync(out).filter((n) => n.includes('.tmp-')),
    [],
  );
  assert.equal(openClipCache(out).shards.complete, shards);

  const again = runCli(args);
  assert.equal(again.code, 0, again.stderr);
  const summary = lastJson<{ clips: number; resumed_shards: number; complete: boolean; padded_clips: number }>(
    again.stdout,
  );
  assert.deepEqual(summary, { ...summary, clips: 48, resumed_shards: shards, complete: true, padded_clips: 0 });
  assert.deepEqual(await openClipCache(out).verify(), []);
});

test('eda: Ctrl-C stops probing and exits 130 without a report', async () => {
  const root = tempDir();
  const one = makeTestVideo(path.join(root, 'a', 'clip_0.mp4'), { frames: 2, width: 16, height: 16 });
  fs.mkdirSync(path.join(root, 'b'));
  for (let i = 1; i < 120; i++) fs.copyFileSync(one, path.join(root, i % 2 ? 'a' : 'b', `clip_${i}.mp4`));
  const run = await interruptCli(['eda', root, '--json'], (stderr) => stderr.includes('probe'));
  assert.deepEqual([run.code, run.signal], [130, null], run.stderr);
  assert.match(
    run.stderr,
    /actlab: interrupted after probing \d+ of 120 item\(s\); eda keeps no partial results: run the same command again to start over/,
  );
  assert.equal(run.stdout, '');
  assert.deepEqual(await toolsOn(root), []);
});

test('synth: Ctrl-C keeps written clips, leaves no partial files or manifest, exits 130', async () => {
  const out = tempDir();
  const args = [
    'synth',
    '--out',
    out,
    '--set',
    'shapes',
    '--classes',
    'move_left,grow,shrink',
    '--per-class',
    '12',
    '--frames',
    '8',
  ];
  const clips = (): string[] =>
    (fs.readdirSync(out, { recursive: true }) as string[]).filter((n) => n.endsWith('.mp4') && !n.includes('.partial'));
  const run = await interruptCli([...args, '--size', '16x16'], () => clips().length > 0);
  assert.deepEqual([run.code, run.signal], [130, null], run.stderr);
  const kept =
    /actlab: interrupted; kept (\d+) of 36 clip\(s\) in (.+) but no manifest.json, so the set is incomplete; run the same command again/.exec(
      run.stderr,
    );
  assert.ok(kept, run.stderr);
  assert.ok(Number(kept[1]) < 36);
  assert.equal(fs.existsSync(path.join(out, 'manifest.json')), false);
  assert.deepEqual(
    (fs.readdirSync(out, { recursive: true }) as string[]).filter((n) => n.includes('.partial')),
    [],
  );
  assert.deepEqual(await toolsOn(out), []);
  const again = runCli([...args, '--size', '16x16', '--json']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(lastJson<{ clips: number }>(again.stdout).clips, 36);
  assert.ok(fs.existsSync(path.join(out, 'manifest.json')));
});
