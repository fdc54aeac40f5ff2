/**
 * A user's own folder, one sub-folder per class and no split lists, to a trained and
 * evaluated model with the commands' defaults: photos with cnn2d, videos with c3d.
 * Plain folders get a seeded, stratified split (grouped where the names carry a group),
 * and each layout that cannot be split says why, word for word.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { chromium } from 'playwright-core';
import sharp from 'sharp';

import { initBackend } from '../src/lib/backend';
import { loadDataset, planSplits } from '../src/lib/data';
import { recipe, RECIPE_MODELS } from '../src/lib/recipes';
import { openClipCache } from '../src/lib/video';
import { runCli } from './helpers/cli';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'actlab-own-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** `count` photos per class, each class its own colour with a little per-image texture. */
async function writePhotos(
  dir: string,
  classes: Record<string, number[]>,
  count: number,
  name = (i: number) => `img${i}`,
) {
  for (const [label, rgb] of Object.entries(classes)) {
    fs.mkdirSync(path.join(dir, label), { recursive: true });
    for (let i = 1; i <= count; i++) {
      const pixels = Buffer.alloc(40 * 40 * 3);
      for (let p = 0; p < 40 * 40; p++)
        for (let k = 0; k < 3; k++)
          pixels[p * 3 + k] = Math.max(0, Math.min(255, rgb[k]! + ((p * 7 + i * 13) % 40) - 20));
      await sharp(pixels, { raw: { width: 40, height: 40, channels: 3 } })
        .png()
        .toFile(path.join(dir, label, `${name(i)}.png`));
    }
  }
}

/** Runs actlab in `scratch`; fails the test with its output unless it exits `status`. */
function actlab(args: string[], status = 0) {
  const run = runCli(args, {}, scratch);
  assert.equal(run.status, status, `actlab ${args.join(' ')}\n${run.stdout}\n${run.stderr}`);
  return run;
}

/** `text` as a literal inside a RegExp. */
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `actlab train --model cnn2d --data photo-cache --out OUT …` */
const trainPhotos = (out: string, ...extra: string[]) => [
  'train',
  '--model',
  'cnn2d',
  '--data',
  'photo-cache',
  '--out',
  out,
  ...extra,
];

const COLOURS = { red: [220, 40, 40], green: [40, 200, 60], blue: [40, 60, 220] };

describe('your own folder, with the defaults', () => {
  before(async () => {
    await writePhotos(path.join(scratch, 'photos'), COLOURS, 8);
    // Videos the tests make: shapes clips filed by class under plain names (video1.mp4 …), no manifest.
    actlab(['synth', '--out', 'shapes', '--set', 'shapes', '--per-class', '6', '--classes', 'grow,shrink,move_up']);
    for (const label of ['grow', 'shrink', 'move_up']) {
      fs.mkdirSync(path.join(scratch, 'videos', label), { recursive: true });
      const clips = fs.readdirSync(path.join(scratch, 'shapes', label)).filter((f) => f.endsWith('.mp4'));
      clips.sort().forEach((clip, i) => {
        fs.copyFileSync(
          path.join(scratch, 'shapes', label, clip),
          path.join(scratch, 'videos', label, `video${i + 1}.mp4`),
        );
      });
    }
  });

  it('photos: eda shows the split, extract --frames 1 caches it, cnn2d trains, eval reports', () => {
    const eda = actlab(['eda', 'photos']);
    assert.match(
      eda.stderr,
      /note: .*photos: the file names carry no group \(as UCF101's _g08_\), so files are split one by one/,
    );
    assert.match(eda.stdout, /^ {2}train +blue \d+, green \d+, red \d+$/m);
    assert.match(eda.stdout, /^ {2}test +blue \d+, green \d+, red \d+$/m);
    actlab(['extract', 'photos', '--out', 'photo-cache', '--frames', '1', '--size', '32x32']);
    const splits = new Set(openClipCache(path.join(scratch, 'photo-cache')).clips.map((c) => c.split));
    assert.deepEqual([...splits].sort(), ['test', 'train', 'val'], 'the split is recorded in the cache');
    const train = actlab(trainPhotos('photo-run'));
    assert.match(train.stdout, /cnn2d: \d+ epoch\(s\) in .*photo-run; best val top-1/);
    const result = JSON.parse(actlab(['eval', 'photo-run', '--json']).stdout) as { top1: number; top1_ci: number[] };
    assert.ok(result.top1 >= 0 && result.top1 <= 1 && result.top1_ci.length === 2, JSON.stringify(result));
  });

  it('train takes --lr, --batch, --width and --augment, records them, and --from --freeze trains the head alone', () => {
    const flags = ['--lr', '3e-3', '--batch', '8', '--width', '0.25', '--augment', 'none', '--epochs', '2'];
    const small = actlab(trainPhotos('small-run', ...flags));
    const record = JSON.parse(fs.readFileSync(path.join(scratch, 'small-run', 'run.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.deepEqual(
      { lr: record.learningRate, batch: record.batchSize, width: record.modelWidth, augment: record.augment },
      { lr: 0.003, batch: 8, width: 0.25, augment: 'none' },
    );
    actlab(trainPhotos('strong-run', '--augment', 'strong', '--epochs', '1'));
    const strong = JSON.parse(fs.readFileSync(path.join(scratch, 'strong-run', 'run.json'), 'utf8')) as {
      augment: string;
    };
    assert.equal(strong.augment, 'strong');
    const full = /cnn2d: ([\d,]+) parameters, ([\d,]+) trainable\n/.exec(small.stdout);
    assert.ok(full, small.stdout);
    const head = actlab(trainPhotos('head-run', '--from', 'small-run', '--freeze'));
    const frozen =
      /cnn2d: ([\d,]+) parameters, ([\d,]+) trainable \(the backbone is frozen: only the new head trains\)/.exec(
        head.stdout,
      );
    assert.ok(frozen, head.stdout);
    // The new head of 3 classes over the backbone's 16 features (4, 8, 16 filters): 16 × 3 weights + 3 biases.
    assert.equal(Number(frozen[2]!.replace(/,/g, '')), 16 * 3 + 3);
    assert.equal(frozen[1], full[1], 'the same model, with only its head trainable');
    const other = actlab(trainPhotos('small-run', ...flags.slice(2), '--lr', '1e-3', '--resume'), 1);
    assert.match(other.stderr, /the checkpoint was made with optimizer learningRate 0\.003, this run has 0\.001/);
  });

  it('actlab runs compares the runs and writes a page with one curve per run that renders in Chromium', async (t) => {
    const runs = ['photo-run', 'small-run', 'head-run'];
    const listed = JSON.parse(actlab(['runs', ...runs, '--json', '--plot', 'runs.html']).stdout) as {
      runs: Array<Record<string, unknown>>;
    };
    assert.deepEqual(
      listed.runs.map((r) => path.basename(String(r.run))),
      runs,
    );
    for (const run of listed.runs) {
      assert.equal(run.model, 'cnn2d');
      assert.ok(typeof run.test_top1 === 'number' && Array.isArray(run.test_top1_ci), JSON.stringify(run));
      assert.match(String(run.backend), /^(wasm|cpu|tensorflow)/);
    }
    // Only the settings that differ: the small run's rate, batch and width, the head run's start.
    assert.match(String(listed.runs[1]!.settings), /lr 0\.003, batch 8, width 0\.25, augment none/);
    assert.match(String(listed.runs[2]!.settings), /from small-run, frozen/);
    const table = actlab(['runs', ...runs]).stdout;
    assert.match(table, /^run +model +data +settings +epochs +best val +test top-1 \[95% CI\] +time +backend$/m);
    assert.match(table, /^small-run +cnn2d +photo-cache +lr 0\.003/m);

    const chromiumPath = process.env.ACTLAB_CHROMIUM ?? '/usr/bin/chromium';
    if (!fs.existsSync(chromiumPath)) {
      if (process.env.CI) assert.fail(`${chromiumPath} is missing: .ci/run installs Debian's chromium`);
      return t.skip(`no Chromium at ${chromiumPath} (apt-get install chromium, or set ACTLAB_CHROMIUM)`);
    }
    const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      await page.route(/^(?!file:)/, (route) => route.abort()); // offline: the bundle is inlined
      await page.goto(`file://${path.join(scratch, 'runs.html')}`);
      await page.waitForFunction(() => document.querySelectorAll('.actlab-plot svg.main-svg').length > 0, null, {
        timeout: 30_000,
      });
      const seen = await page.evaluate(() => ({
        traces: document.querySelectorAll('.actlab-plot g.trace').length,
        legend: Array.from(document.querySelectorAll('.actlab-plot .legendtext')).map((e) => e.textContent),
        rows: document.querySelectorAll('table tbody tr').length,
      }));
      assert.deepEqual(errors, []);
      assert.deepEqual(seen, { traces: 3, legend: runs, rows: 3 });
    } finally {
      await browser.close();
    }
  });

  it('videos: extract, c3d trains, eval reports per class', () => {
    actlab(['extract', 'videos', '--out', 'video-cache', '--size', '32x32', '--gray']);
    actlab(['train', '--model', 'c3d', '--data', 'video-cache', '--out', 'video-run']);
    const result = JSON.parse(actlab(['eval', 'video-run', '--json']).stdout) as { top1: number; per_class: object };
    assert.deepEqual(Object.keys(result.per_class).sort(), ['grow', 'move_up', 'shrink']);
  });
});

describe('splitting a plain folder', () => {
  it('keeps every UCF101-style group (_gNN_) in one split, stratified by class', () => {
    const dir = path.join(scratch, 'ucf-names');
    for (const label of ['Jump', 'Wave'])
      for (let g = 1; g <= 7; g++)
        for (let c = 1; c <= 3; c++) {
          fs.mkdirSync(path.join(dir, label), { recursive: true });
          fs.writeFileSync(path.join(dir, label, `v_${label}_g${String(g).padStart(2, '0')}_c0${c}.mp4`), '');
        }
    const { dataset, note } = planSplits(loadDataset(dir));
    assert.equal(note, undefined, 'grouped names need no note');
    const splitOf = new Map<string, Set<string>>();
    for (const item of dataset.items) splitOf.set(item.group, (splitOf.get(item.group) ?? new Set()).add(item.split!));
    assert.equal(splitOf.size, 7, [...splitOf.keys()].join(' '));
    for (const [group, splits] of splitOf) assert.equal(splits.size, 1, `${group} is in ${[...splits].join(' and ')}`);
    for (const label of ['Jump', 'Wave'])
      for (const split of ['train', 'val', 'test'])
        assert.ok(
          dataset.items.some((i) => i.label === label && i.split === split),
          `${label} has ${split}`,
        );
    // Seeded: the same split twice, another with another seed.
    assert.deepEqual(planSplits(loadDataset(dir)).dataset.items, dataset.items);
  });

  it('--group-by names the group with its first capture group', async () => {
    const dir = path.join(scratch, 'people-photos');
    const people = ['ann', 'bob', 'cy', 'dee', 'eve', 'fay'];
    await writePhotos(dir, { red: COLOURS.red, blue: COLOURS.blue }, 12, (i) => `${people[(i - 1) % 6]}_${i}`);
    const run = actlab(['eda', 'people-photos', '--group-by', '^([a-z]+)_', '--json']);
    assert.doesNotMatch(run.stderr, /note:/);
    const items = (JSON.parse(run.stdout) as { items: Array<{ group: string; split: string }> }).items;
    const splitOf = new Map<string, Set<string>>();
    for (const item of items) splitOf.set(item.group, (splitOf.get(item.group) ?? new Set()).add(item.split));
    assert.deepEqual([...splitOf.keys()].sort(), people);
    for (const [person, splits] of splitOf) assert.equal(splits.size, 1, `${person}: ${[...splits].join(', ')}`);
    const bad = actlab(['extract', 'people-photos', '--out', 'x', '--group-by', '^([0-9]+)_'], 1);
    assert.equal(
      bad.stderr.trim(),
      `actlab: ${path.join(fs.realpathSync(scratch), 'people-photos', 'blue', 'ann_1.png')}: --group-by ^([0-9]+)_ ` +
        'does not match its name; fix the expression or the file name',
    );
  });

  it('says why a folder cannot be split, word for word; its clips still extract, and train refuses them', async () => {
    const root = fs.realpathSync(scratch);
    fs.cpSync(path.join(scratch, 'videos', 'grow'), path.join(scratch, 'one-class', 'grow'), { recursive: true });
    const one = actlab(['extract', 'one-class', '--out', 'c1']);
    assert.match(
      one.stderr,
      new RegExp(
        `^warning: ${escape(root)}/one-class has one class \\(grow\\): a classifier needs two or more; ` +
          `add a folder per class \\(${escape(root)}/one-class/<class>/\\.\\.\\.\\); its clips are cached ` +
          'without a split, which actlab train refuses$',
        'm',
      ),
    );
    assert.match(actlab(['eda', 'one-class']).stderr, /^warning: .*one-class has one class \(grow\): .*\.\.\.\)$/m);
    const refused = actlab(['train', '--model', 'c3d', '--data', 'c1', '--out', 'r1'], 2);
    assert.match(
      refused.stderr,
      /has no "train" or "val" or "test" clips .*if it warned that the dataset cannot be split/,
    );

    await writePhotos(path.join(scratch, 'too-few'), { red: COLOURS.red }, 6);
    await writePhotos(path.join(scratch, 'too-few'), { blue: COLOURS.blue }, 2);
    assert.match(
      actlab(['extract', 'too-few', '--out', 'c2', '--frames', '1']).stderr,
      new RegExp(
        `^warning: class "blue" has 2 items; splits train, val, test need at least 3: add items to ` +
          `${escape(root)}/too-few/blue, or lower --val/--test \\(0 leaves that split out\\)`,
        'm',
      ),
    );
    const fits = actlab(['extract', 'too-few', '--out', 'c3', '--frames', '1', '--test', '0']); // train and val only
    assert.doesNotMatch(fits.stderr, /warning/);

    await writePhotos(path.join(scratch, 'mixed'), COLOURS, 3);
    fs.copyFileSync(path.join(scratch, 'videos', 'grow', 'video1.mp4'), path.join(scratch, 'mixed', 'red', 'clip.mp4'));
    assert.equal(
      actlab(['extract', 'mixed', '--out', 'c4'], 1).stderr.trim(),
      `actlab: ${root}/mixed/red holds both videos (1) and images (3): a dataset is one or the other; ` +
        'move one kind into a dataset folder of its own',
    );
    assert.equal(fs.existsSync(path.join(scratch, 'c4')), false, 'c4 was written');
  });
});

describe('the recipes follow the cache', () => {
  it('each builds for 16×112×112 RGB clips of 101 classes and for 2 classes', async () => {
    await initBackend({ backend: 'cpu', log: null });
    for (const name of RECIPE_MODELS) {
      for (const numClasses of [101, 2]) {
        const model = recipe(name).build({ clipShape: [16, 112, 112, 3], numClasses, seed: 1 });
        try {
          const expected = name === 'cnn2d' ? [null, 112, 112, 3] : [null, 16, 112, 112, 3];
          assert.deepEqual(model.inputs[0]!.shape, expected, name);
          assert.deepEqual(model.outputs[0]!.shape, [null, numClasses], `${name} for ${numClasses} classes`);
        } finally {
          model.dispose();
        }
      }
    }
  });
});
