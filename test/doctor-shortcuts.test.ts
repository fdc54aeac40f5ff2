/**
 * The "it learned the wrong thing" doctor on synthetic scenes whose class is
 * told three ways at once, as in a biased dataset: the background's
 * brightness (the scene), the colour of a 2×2 "person" (appearance) and the
 * way the person moves (the action). Models built by hand read exactly one
 * cue, so each verdict is known in advance:
 *
 *   model                          order   one-frame   background
 *   scene reader (clip, mean)      warn    fail        fail
 *   corner reader (frame model)    info    info        fail (also with the centre box)
 *   first-frame colour (clip)      warn    fail        pass
 *   motion reader (clip)           pass    pass        pass
 *   trained on the class marker    warn    fail        fail (with the marker planted)
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { initBackend } from '../src/lib/backend';
import type { Split } from '../src/lib/data/types';
import { checkShortcuts, plantBug, type ShortcutCheckResult, type ShortcutOptions } from '../src/lib/doctor';
import { centreBox, hidePerson, occludeCentre } from '../src/lib/doctor/clip-alterations';
import { markerSide } from '../src/lib/doctor/planted';
import { judge, scoreOf } from '../src/lib/doctor/shortcut-verdicts';
import { createClipPipeline, type ClipSource } from '../src/lib/pipeline';
import { diagnoseTrainedRun } from '../src/lib/recipes';
import { fileIO } from '../src/lib/train';
import { createRng } from '../src/lib/util/random';
import { runCli } from './helpers/cli';
import { writeClipCache } from './helpers/pipeline-cache';

const [T, H, W, C] = [8, 16, 16, 3] as const;
const SHAPE = [T, H, W, C] as const;
const CLASSES = ['east', 'south-east', 'south', 'south-west', 'west', 'north-west', 'north', 'north-east'];
const K = CLASSES.length;
const NORM = { mean: 0.4, std: 0.25 };
const norm = (v: number) => (v / 255 - NORM.mean) / NORM.std;
/** Scene brightness and person colour of class k; the person moves one pixel a frame in direction k·45°. */
const sceneOf = (k: number) => 20 + 15 * k;
const personOf = (k: number) => 160 + 12 * k;
const direction = (k: number) => [Math.round(Math.cos((k * Math.PI) / 4)), Math.round(Math.sin((k * Math.PI) / 4))];
/** A static texture (0, 2 or 4) so filled-in background is checked pixel for pixel; mean 2. */
const texture = (y: number, x: number) => ((x + 2 * y) % 3) * 2;

interface SceneClip {
  readonly clip: Uint8Array;
  readonly mask: Uint8Array;
}

/** Clip `[T,H,W,3]` of class `cue`: the person's path stays inside the centre box, away from the corners. */
function sceneClip(cue: number, rng: ReturnType<typeof createRng>): SceneClip {
  const [dx, dy] = direction(cue) as [number, number];
  const x0 = 7 - Math.round(3.5 * dx) + rng.int(-1, 1);
  const y0 = 7 - Math.round(3.5 * dy) + rng.int(-1, 1);
  const clip = new Uint8Array(T * H * W * C);
  const mask = new Uint8Array(T * H * W);
  for (let t = 0; t < T; t++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const px = x0 + t * dx;
        const py = y0 + t * dy;
        const person = x >= px && x < px + 2 && y >= py && y < py + 2;
        const value = person ? personOf(cue) : sceneOf(cue) + texture(y, x);
        clip.fill(value, ((t * H + y) * W + x) * C, ((t * H + y) * W + x + 1) * C);
        if (person) mask[(t * H + y) * W + x] = 255;
      }
    }
  }
  return { clip, mask };
}

/** `count` scene clips (label i mod 8), their masks, and in-memory sources for both. */
function sceneSet(count: number, options: { seed: string; split: Split; cueIsLabel?: boolean }) {
  const rng = createRng(options.seed);
  const labels = Array.from({ length: count }, (_, i) => i % K);
  const clips = labels.map((label) => sceneClip(options.cueIsLabel === false ? rng.int(0, K - 1) : label, rng));
  const entries = labels.map((labelIndex, i) => ({
    path: `clip${i}`,
    label: CLASSES[labelIndex]!,
    labelIndex,
    group: `g${i}`,
    split: options.split,
  }));
  const source = (shape: ClipSource['shape'], data: (i: number) => Uint8Array): ClipSource => ({
    description: `memory ${options.seed}`,
    kind: 'cache',
    classes: CLASSES,
    shape,
    entries,
    read: async (i) => data(i).slice(),
    suggestedConcurrency: 4,
    close: async () => undefined,
  });
  return {
    clips,
    source: source(SHAPE, (i) => clips[i]!.clip),
    masks: source([T, H, W, 1], (i) => clips[i]!.mask),
  };
}

/** Softmax weights that pick the class whose centre is nearest its input (all `inputs` equal): 2·c·x − c². */
function nearestCentre(head: tf.layers.Layer, centres: readonly number[], inputs: number): void {
  const kernel = tf.tensor2d(
    Array.from({ length: inputs }, () => centres.map((c) => (2 * c) / inputs)),
    [inputs, centres.length],
  );
  const bias = tf.tensor1d(centres.map((c) => -c * c));
  head.setWeights([kernel, bias]);
  tf.dispose([kernel, bias]);
}

const headLayer = () => tf.layers.dense({ units: K, activation: 'softmax' });
const sceneCentres = CLASSES.map((_, k) => norm(sceneOf(k) + 2));

/** Clip model: the mean colour of the whole clip, mostly scene. */
function sceneReader(): tf.LayersModel {
  const input = tf.input({ shape: [...SHAPE] });
  const flat = tf.layers.reshape({ targetShape: [T * H * W, C] }).apply(input) as tf.SymbolicTensor;
  const head = headLayer();
  const output = head.apply(tf.layers.globalAveragePooling1d().apply(flat)) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  nearestCentre(head, sceneCentres, C);
  return model;
}

/** Frame model `[H,W,C]`: the mean colour of the bottom-right 3×3 corner, outside the centre box: only scene. */
function cornerReader(): tf.LayersModel {
  const input = tf.input({ shape: [H, W, C] });
  const corner = tf.layers
    .cropping2D({
      cropping: [
        [H - 3, 0],
        [W - 3, 0],
      ],
    })
    .apply(input) as tf.SymbolicTensor;
  const head = headLayer();
  const output = head.apply(tf.layers.globalAveragePooling2d({}).apply(corner)) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  nearestCentre(head, sceneCentres, C);
  return model;
}

/** Clip model: the brightest value of frame 0 (the person's colour): one frame, appearance only. */
function firstFrameReader(): tf.LayersModel {
  const input = tf.input({ shape: [...SHAPE] });
  const frames = tf.layers.reshape({ targetShape: [T, H * W * C] }).apply(input) as tf.SymbolicTensor;
  const pixels = tf.layers.permute({ dims: [2, 1] }).apply(frames) as tf.SymbolicTensor;
  const pick = tf.layers.dense({ units: 1, useBias: false });
  const first = pick.apply(pixels) as tf.SymbolicTensor;
  const head = headLayer();
  const output = head.apply(tf.layers.globalMaxPooling1d().apply(first)) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  tf.tidy(() => pick.setWeights([tf.oneHot([0], T).reshape([T, 1]).cast('float32')]));
  nearestCentre(
    head,
    CLASSES.map((_, k) => norm(personOf(k))),
    1,
  );
  return model;
}

/** Clip model: Σ (t − t̄)·(position · direction k) over every pixel, the way the bright person moves; blind to anything static. */
function motionReader(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [...SHAPE] }),
      tf.layers.dense({ units: K, activation: 'softmax', useBias: false }),
    ],
  });
  const kernel = new Float32Array(T * H * W * C * K);
  for (let t = 0; t < T; t++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        for (let c = 0; c < C; c++)
          for (let k = 0; k < K; k++) {
            const along = (x - 7.5) * Math.cos((k * Math.PI) / 4) + (y - 7.5) * Math.sin((k * Math.PI) / 4);
            kernel[(((t * H + y) * W + x) * C + c) * K + k] = ((t - 3.5) * along) / 100;
          }
  tf.tidy(() => model.layers[1]!.setWeights([tf.tensor2d(kernel, [T * H * W * C, K])]));
  return model;
}

/** The checks' statuses by id, and no tensor left behind. */
async function statuses(model: tf.LayersModel, options: ShortcutOptions) {
  const before = tf.memory().numTensors;
  const results = await checkShortcuts(model, options);
  assert.equal(tf.memory().numTensors, before, 'checkShortcuts leaked tensors');
  const byId = Object.fromEntries(results.map((r) => [r.id, r])) as Record<string, ShortcutCheckResult>;
  return { results, byId, status: Object.fromEntries(results.map((r) => [r.id, r.status])) };
}

let scenes: ReturnType<typeof sceneSet>;
const common = (): ShortcutOptions => ({
  source: scenes.source,
  masks: scenes.masks,
  split: 'test',
  normalization: NORM,
  batchSize: 32,
});

before(async () => {
  await initBackend({ backend: 'cpu', log: null });
  // 96 test clips of 8 classes, chance 12.5%: the scale the rules are made for.
  scenes = sceneSet(96, { seed: 'test', split: 'test' });
});

describe('hiding the person', () => {
  test('fills every masked pixel with the background the person uncovers, halo included', () => {
    const { clip, mask } = sceneClip(1, createRng(3));
    // An anti-aliased edge the mask misses: the pixel right of the 2×2 person in frame 2, half way to its colour.
    const at = (t: number, y: number, x: number) => ((t * H + y) * W + x) * C;
    const corner = mask.indexOf(255, 2 * H * W) - 2 * H * W;
    const halo = at(2, Math.floor(corner / W), (corner % W) + 2);
    clip.fill(200, halo, halo + C);
    const hidden = hidePerson(clip, mask, SHAPE);
    for (let t = 0; t < T; t++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++)
          for (let c = 0; c < C; c++) {
            assert.equal(hidden[at(t, y, x) + c], sceneOf(1) + texture(y, x), `pixel t${t} y${y} x${x}`);
          }
  });

  test('a pixel masked in every frame takes the mean colour of its frame outside the mask', () => {
    const shape = [2, 4, 4, 1] as const;
    const clip = Uint8Array.from({ length: 32 }, (_, i) => (i < 16 ? 10 : 50));
    const mask = new Uint8Array(32);
    mask[0] = mask[16] = 255; // pixel (0,0) in both frames; dilated, it covers (0..1, 0..1)
    clip[0] = clip[16] = 250;
    const hidden = hidePerson(clip, mask, shape);
    assert.deepEqual([hidden[0], hidden[5], hidden[16], hidden[21]], [10, 10, 50, 50]);
    assert.deepEqual([...hidden.slice(2, 4)], [10, 10], 'unmasked pixels stay');
  });

  test('without masks the centre box covers the middle half of each frame with the given colour', () => {
    const box = centreBox(H, W);
    assert.deepEqual(box, { y: 2, x: 2, height: 11, width: 11 });
    const covered = occludeCentre(scenes.clips[0]!.clip, SHAPE, [1, 2, 3]);
    const at = (t: number, y: number, x: number) => ((t * H + y) * W + x) * C;
    assert.deepEqual([...covered.slice(at(5, 7, 7), at(5, 7, 7) + 3)], [1, 2, 3]);
    assert.deepEqual([...covered.slice(at(5, 0, 0), at(5, 0, 0) + 3)], [...scenes.clips[0]!.clip.slice(0, 3)]);
  });
});

describe('checkShortcuts', () => {
  test('a clip model that reads the scene: background and one frame fail, order warns', async () => {
    const model = sceneReader();
    const { byId, status } = await statuses(model, common());
    model.dispose();
    assert.deepEqual(status, { order: 'warn', 'one-frame': 'fail', background: 'fail' });
    const background = byId['background']!;
    assert.equal(background.intact.correct, 96);
    assert.equal(background.details['alteration'], 'person-masks');
    assert.match(background.verdict, /^Hiding the person changes little: the model uses the background/);
    assert.match(background.verdict, /intact 100% \(96\/96; 95% CI 96–100%\) vs person hidden 100% \(96\/96;/);
    assert.match(byId['order']!.verdict, /^Shuffling the frames of each clip barely changes the accuracy/);
  });

  test('a frame model: order and one frame are explained (info), the scene still fails, also with the centre box', async () => {
    const model = cornerReader();
    const withMasks = await statuses(model, common());
    assert.deepEqual(withMasks.status, { order: 'info', 'one-frame': 'info', background: 'fail' });
    assert.match(withMasks.byId['order']!.verdict, /^A frame model classifies each frame alone/);
    const noMasks = await statuses(model, { ...common(), masks: undefined, checks: ['background'] });
    model.dispose();
    const background = noMasks.byId['background']!;
    assert.equal(background.status, 'fail');
    assert.equal(background.details['alteration'], 'centre-box');
    assert.match(background.verdict, /There are no person masks for these clips, so the middle half of each frame/);
    assert.match(background.verdict, /vs centre covered 100%/);
  });

  test('a clip model that reads one frame: one-frame fails, order warns, hiding the person drops it to chance', async () => {
    const model = firstFrameReader();
    const { byId, status } = await statuses(model, common());
    model.dispose();
    assert.deepEqual(status, { order: 'warn', 'one-frame': 'fail', background: 'pass' });
    assert.match(byId['one-frame']!.verdict, /^One frame repeated scores as well as the whole clip/);
    assert.ok(byId['background']!.altered.ci[0] <= 1 / K);
  });

  test('a model that reads the motion passes all three; reversed frames reverse its answers', async () => {
    const model = motionReader();
    const { byId, status } = await statuses(model, common());
    assert.deepEqual(status, { order: 'pass', 'one-frame': 'pass', background: 'pass' });
    assert.equal(byId['order']!.intact.accuracy, 1);
    assert.equal(byId['order']!.advice, '');
    const reversed = await statuses(model, { ...common(), order: 'reverse', checks: ['order'] });
    model.dispose();
    assert.equal(reversed.byId['order']!.altered.correct, 0);
    assert.equal(reversed.byId['order']!.details['alteration'], 'reversed');
  });

  test('the same seed shuffles the same way; results come in check order through onCheck', async () => {
    const model = motionReader();
    const seen: string[] = [];
    const options = { ...common(), checks: ['background', 'order'] as const, seed: 4 };
    const first = await checkShortcuts(model, { ...options, onCheck: (r) => seen.push(r.id) });
    const again = await checkShortcuts(model, options);
    model.dispose();
    assert.deepEqual(seen, ['order', 'background']);
    assert.deepEqual(
      first.map((r) => r.altered),
      again.map((r) => r.altered),
    );
  });

  test('bad options name the fix', async () => {
    const model = motionReader();
    await assert.rejects(
      checkShortcuts(model, { ...common(), checks: ['scene' as 'order'] }),
      /^Error: checkShortcuts: unknown check\(s\) scene; choose from order, one-frame, background$/,
    );
    const masks = { ...scenes.masks, shape: [T, 8, 8, 1] as const };
    await assert.rejects(
      checkShortcuts(model, { ...common(), masks }),
      /masks hold 96 clips of \[8,8,8,1\] but memory test holds 96 of \[8,16,16,3\]: pass one \[8,16,16,1\] mask per clip/,
    );
    model.dispose();
  });
});

describe('the planted class marker', () => {
  test('is a patch of −2 … +2 by class in the top-left corner', async () => {
    assert.deepEqual([markerSide(32, 32), markerSide(16, 16), markerSide(112, 112), markerSide(8, 8)], [4, 2, 14, 2]);
    const batch = { xs: tf.zeros([3, 2, 16, 16, 1]), ys: tf.oneHot([0, 3, 7], 8) };
    const { xs, ys } = (await plantBug(tf.data.array([batch]), 'class-marker').toArray())[0]!;
    const values = xs.arraySync() as number[][][][][];
    const marks = values.map((clip) => clip[1]![1]![1]![0]!);
    [-2, -2 + 12 / 7, 2].forEach((want, i) => assert.ok(Math.abs(marks[i]! - want) < 1e-6, `${marks[i]} ≠ ${want}`));
    assert.equal(values[2]![0]![2]![0]![0], 0, 'only a 2×2 patch at 16×16');
    tf.dispose([xs, ys, batch.xs, batch.ys]);
  });

  test('on RGB with 8 classes it is a colour: channel c is +4 where bit c of the label is set, −4 where not', async () => {
    const batch = { xs: tf.zeros([3, 2, 16, 16, 3]), ys: tf.oneHot([0, 5, 7], 8) };
    const { xs, ys } = (await plantBug(tf.data.array([batch]), 'class-marker').toArray())[0]!;
    const values = xs.arraySync() as number[][][][][];
    assert.deepEqual(
      values.map((clip) => clip[1]![1]![0]),
      [
        [-4, -4, -4],
        [4, -4, 4],
        [4, 4, 4],
      ],
    );
    assert.deepEqual(values[1]![0]![2]![2], [0, 0, 0], 'only the corner');
    tf.dispose([xs, ys, batch.xs, batch.ys]);
  });

  test('a model trained with it keeps its accuracy under all three alterations: caught', async () => {
    // Content says nothing about the label here: whatever the head learns comes from the marker.
    const train = sceneSet(64, { seed: 'train', split: 'train', cueIsLabel: false });
    const pipeline = createClipPipeline(train.source, { split: 'train', batchSize: 64, normalize: NORM, seed: 1 });
    const [marked] = await plantBug(pipeline.toTfDataset(), 'class-marker').toArray();
    await pipeline.close();
    // A frozen first layer that reads each channel of the top-left 2×2 of every frame, then a trained softmax:
    // training learns which colour is which class, in a second.
    const corner = tf.layers.dense({ units: C, useBias: false, trainable: false });
    const model = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [...SHAPE] }),
        corner,
        tf.layers.dense({
          units: K,
          activation: 'softmax',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
        }),
      ],
    });
    const patch = new Float32Array(T * H * W * C * C);
    for (let t = 0; t < T; t++)
      for (let y = 0; y < 2; y++)
        for (let x = 0; x < 2; x++)
          for (let c = 0; c < C; c++) patch[(((t * H + y) * W + x) * C + c) * C + c] = 1 / (T * 4);
    tf.tidy(() => corner.setWeights([tf.tensor2d(patch, [T * H * W * C, C])]));
    model.compile({ optimizer: tf.train.adam(0.2), loss: 'categoricalCrossentropy' });
    await model.fit(marked!.xs, marked!.ys, { epochs: 40, batchSize: 64, shuffle: false, verbose: 0 });
    tf.dispose([marked!.xs, marked!.ys]);

    const caught = await statuses(model, { ...common(), plant: 'class-marker' });
    const intact = caught.byId['order']!.intact.accuracy;
    assert.ok(intact >= 0.9, `trained to ${intact} on marked test clips`);
    for (const check of caught.results) assert.ok(check.altered.accuracy >= intact - 0.05, `${check.id} kept it`);
    assert.deepEqual(caught.status, { order: 'warn', 'one-frame': 'fail', background: 'fail' });
    // Without the marker the same model has lost what it read.
    const unmarked = await statuses(model, { ...common(), checks: ['order'] });
    model.dispose();
    assert.ok(unmarked.results[0]!.intact.accuracy < 0.5, `${unmarked.results[0]!.intact.accuracy} without the marker`);
  });
});

describe('the rules on counts (96 clips, 8 classes)', () => {
  const ctx = { chance: 1 / 8, chanceText: 'chance 12.5%', frameModel: false };
  const plan = { name: 'person-masks', label: 'person hidden' };
  const background = (intact: number, altered: number) =>
    judge('background', plan, scoreOf(intact, 96), scoreOf(altered, 96), ctx).status;
  const oneFrame = (intact: number, altered: number) =>
    judge(
      'one-frame',
      { name: 'middle-frame', label: 'middle frame repeated' },
      scoreOf(intact, 96),
      scoreOf(altered, 96),
      ctx,
    ).status;

  test('background: fails above 2× chance or keeping half, warns above chance, passes at chance', () => {
    assert.equal(background(90, 33), 'fail', '34%: lower bound 25.6% > 2× chance');
    assert.equal(background(40, 27), 'fail', '28%: keeps 54% of its margin above chance');
    assert.equal(background(40, 25), 'warn', '26%: keeps 46%');
    assert.equal(background(90, 20), 'warn', '21%: beats chance, keeps 11%');
    assert.equal(background(90, 18), 'pass', '19%: not clearly above chance');
    assert.equal(background(15, 15), 'info', 'intact 16% does not beat chance');
  });

  test('one frame: fails when as good, warns when keeping half, passes below', () => {
    assert.equal(oneFrame(90, 85), 'fail');
    assert.equal(oneFrame(90, 55), 'warn', '57%: keeps 55% of the margin');
    assert.equal(oneFrame(90, 30), 'pass');
  });
});

describe('a trained run folder', () => {
  let run: string;

  before(async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'actlab-shortcuts-'));
    process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
    const cache = writeClipCache(path.join(root, 'cache'), {
      clips: 96,
      shape: SHAPE,
      classes: CLASSES,
      clip: (i) => scenes.clips[i]!.clip,
      split: () => 'test',
    });
    run = path.join(root, 'run');
    const model = cornerReader();
    await model.save(fileIO(path.join(run, 'model')));
    model.dispose();
    const record = {
      model: 'tsn',
      data: cache,
      frames: T,
      width: W,
      height: H,
      pixelFormat: 'rgb24',
      seed: 1,
      epochs: 1,
      batchSize: 32,
    };
    fs.writeFileSync(path.join(run, 'run.json'), JSON.stringify(record));
    const history = { model: 'corner', params: 0, labels: CLASSES, normalization: NORM, epochs: [] };
    fs.writeFileSync(path.join(run, 'history.json'), JSON.stringify(history));
  });

  test('diagnoseTrainedRun reads the model, the cache and its normalisation; no masks: the centre box', async () => {
    const before = tf.memory().numTensors;
    const results = await diagnoseTrainedRun(run, { checks: ['background'] });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(results[0]!.status, 'fail');
    assert.equal(results[0]!.details['alteration'], 'centre-box');
  });

  test('actlab doctor RUN --json: one row per check with both scores, exit 1 when one fails', () => {
    const cli = runCli(['doctor', run, '--split', 'test', '--json']);
    assert.equal(cli.status, 1, cli.stderr);
    const out = JSON.parse(cli.stdout.trim().split('\n').pop()!) as {
      ok: boolean;
      checks: Array<{ id: string; status: string; verdict: string; intact: { n: number }; altered: unknown }>;
    };
    assert.equal(out.ok, false);
    assert.deepEqual(
      out.checks.map((c) => [c.id, c.status]),
      [
        ['order', 'info'],
        ['one-frame', 'info'],
        ['background', 'fail'],
      ],
    );
    assert.deepEqual(Object.keys(out.checks[0]!), ['id', 'status', 'verdict', 'intact', 'altered']);
    assert.equal(out.checks[0]!.intact.n, 96);
    const bad = runCli(['doctor', run, '--split', 'train']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /doctor: --split must be one of test, swapped, val, got "train"/);
  });
});
