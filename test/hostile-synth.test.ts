/**
 * Hostile use of `actlab synth`: pointed at a folder that already holds a
 * dataset, killed mid-run, run twice. It must never overwrite what was there,
 * leave half-written clips that count as data, or say it wrote what it did not.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { loadDataset } from '../src/lib/data';
import { PENDING_FILE } from '../src/lib/synth';
import { CLI, lastJson, makeTestVideo, runCli, tempDir } from './helpers/fixtures';

const SMALL = [
  '--set',
  'shapes',
  '--classes',
  'move_left,grow',
  '--per-class',
  '3',
  '--actors',
  '3',
  '--frames',
  '4',
  '--size',
  '16x16',
];

/** Every file under `dir` (hidden ones too) with its SHA-256 and mtime. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const file = path.join(dir, name);
    const stat = fs.statSync(file);
    if (stat.isFile()) {
      out[name] = `${crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')} ${stat.mtimeMs}`;
    }
  }
  return out;
}

describe('principle 1: synth never destroys what the user had', () => {
  it('synth --out into an existing dataset refuses and touches nothing', () => {
    const dataset = tempDir();
    makeTestVideo(path.join(dataset, 'walk', 'v1.mp4'), { frames: 4 });
    fs.writeFileSync(path.join(dataset, 'manifest.json'), JSON.stringify({ my: 'splits' }));
    const before = snapshot(dataset);
    const run = runCli(['synth', '--out', dataset, ...SMALL]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      /^actlab: .* already holds files synth did not write .*manifest\.json.*nothing there was touched/,
    );
    assert.deepEqual(snapshot(dataset), before);
  });

  it('synth --out into a set made with other settings refuses, and --replace replaces only that set', () => {
    const dataset = tempDir();
    assert.equal(runCli(['synth', '--out', dataset, ...SMALL, '--seed', '1']).code, 0);
    fs.writeFileSync(path.join(dataset, 'README.txt'), 'my notes');
    const before = snapshot(dataset);
    const refused = runCli(['synth', '--out', dataset, ...SMALL, '--seed', '2']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /other settings \(seed 1 vs 2\).*pass --replace/);
    assert.deepEqual(snapshot(dataset), before);

    const replaced = runCli(['synth', '--out', dataset, ...SMALL, '--seed', '2', '--replace', '--json']);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.equal(lastJson<{ clips: number }>(replaced.stdout).clips, 6);
    const manifest = JSON.parse(fs.readFileSync(path.join(dataset, 'manifest.json'), 'utf8')) as {
      options: { seed: number };
    };
    assert.equal(manifest.options.seed, 2);
    assert.equal(fs.readFileSync(path.join(dataset, 'README.txt'), 'utf8'), 'my notes');
  });

  it('synth run twice says the set is already complete and rewrites nothing', () => {
    const dataset = tempDir();
    assert.equal(runCli(['synth', '--out', dataset, ...SMALL]).code, 0);
    const before = snapshot(dataset);
    const again = runCli(['synth', '--out', dataset, ...SMALL]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^Already complete, nothing written: 6 clips/m);
    assert.deepEqual(snapshot(dataset), before);
  });

  it('a killed synth leaves no half-written clip that counts as data, and a rerun keeps its finished clips', async () => {
    const dataset = tempDir();
    const args = [
      'synth',
      '--out',
      dataset,
      '--set',
      'shapes',
      '--classes',
      'move_left,grow,shrink',
      '--per-class',
      '12',
      '--actors',
      '3',
    ];
    const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
    const clips = (): string[] =>
      (fs.readdirSync(dataset, { recursive: true }) as string[]).filter((name) => name.endsWith('.mp4'));
    while (clips().length < 4) await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 500)); // orphaned encoders finish their temp files
    assert.ok(fs.existsSync(path.join(dataset, PENDING_FILE)), 'the unfinished set is marked as such');
    assert.ok(!fs.existsSync(path.join(dataset, 'manifest.json')));
    const listed = loadDataset(dataset, { layout: 'folder' }).items.map((item) => item.path);
    assert.ok(
      listed.every((file) => !/partial/.test(file)),
      `a half-written clip was listed as data: ${listed.join(' ')}`,
    );
    const finished = snapshot(dataset);

    const rerun = runCli(args);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.equal(clips().length, 36);
    const names = fs.readdirSync(dataset, { recursive: true }) as string[];
    assert.deepEqual(
      names.filter((name) => /partial/.test(name)),
      [],
    );
    assert.ok(!fs.existsSync(path.join(dataset, PENDING_FILE)));
    for (const [name, stamp] of Object.entries(finished)) {
      if (name.endsWith('.mp4')) assert.equal(snapshot(dataset)[name], stamp, `${name} was rewritten`);
    }
  });
});
