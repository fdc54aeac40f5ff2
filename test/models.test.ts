/**
 * Model builders: output shapes, parameter counts against float64 formulas,
 * exact input-shape errors, the summary, video-level prediction, save/load
 * with the custom layers, and transfer from a local backbone.
 */
import './helpers/stock-kernels';

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { initBackend } from '../src/lib/backend';
import {
  c3d,
  cnn2d,
  predictVideo,
  r2plus1d,
  resnext3d,
  resnext3d101,
  resnext3dTiny,
  summary,
  summaryHtml,
  summaryText,
  transferModel,
} from '../src/lib/models';
import { fileIO } from '../src/lib/train';

const scratch = mkdtempSync(join(tmpdir(), 'actlab-models-'));

before(async () => {
  await initBackend({ backend: 'wasm', log: null });
});
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Batch-norm layers hold 4 numbers per channel: gamma, beta, moving mean, moving variance. */
const bn = (channels: number) => 4 * channels;

/** ResNeXt bottleneck parameter count by hand (shortcut B, cardinality G, Kinetics layout). */
function resnextBottleneckParams(
  blocks: number[],
  cardinality: number,
  width: number,
  classes: number,
  inC: number,
): number {
  let total = 7 ** 3 * inC * 64 + bn(64);
  let cin = 64;
  blocks.forEach((count, stage) => {
    const mid = cardinality * width * 2 ** stage;
    const out = 2 * mid;
    for (let b = 0; b < count; b++) {
      total += cin * mid + bn(mid); // 1³ reduce
      total += 27 * (mid / cardinality) * mid + bn(mid); // grouped 3³
      total += mid * out + bn(out); // 1³ expand
      if (b === 0) total += cin * out + bn(out); // projection shortcut
      cin = out;
    }
  });
  return total + cin * classes + classes;
}

describe('builders', () => {
  test('c3d on the bundled clip shape: layout, shapes and parameters', () => {
    const model = c3d({ inputShape: [16, 32, 32, 1], numClasses: 8 });
    const s = summary(model);
    assert.deepEqual(s.outputShape, [null, 8]);
    const shapes = Object.fromEntries(s.layers.map((l) => [l.name, l.outputShape]));
    assert.deepEqual(shapes['pool1'], [null, 16, 16, 16, 8]); // first pool keeps time
    assert.deepEqual(shapes['pool2'], [null, 8, 8, 8, 16]);
    assert.deepEqual(shapes['pool5'], [null, 1, 1, 1, 64]);
    // convs (3³·Cin+1)·F: 1→8, 8→16, 16→32, 32→32, 32→64, 64→64 ×3; dense 64→512→512→8
    const conv = (cin: number, f: number) => (27 * cin + 1) * f;
    const expected =
      conv(1, 8) +
      conv(8, 16) +
      conv(16, 32) +
      conv(32, 32) +
      conv(32, 64) +
      3 * conv(64, 64) +
      65 * 512 +
      513 * 512 +
      513 * 8;
    assert.equal(s.totalParams, expected);
    // conv1a: 2·27 MACs per output × 16·32·32·8 outputs, + bias adds
    assert.ok(Math.abs(s.layers[1]!.mflops - (2 * 27 * 131072 + 131072) / 1e6) < 1e-9);
    assert.match(summaryText(s), /params: 732,600 \(trainable 732,600\), [\d.]+ MFLOPs per sample$/);
    assert.match(summaryHtml(s), /<td>conv1a<\/td><td>Conv3D<\/td><td><code>\[N,16,32,32,8\]<\/code>/);
    tf.tidy(() => assert.deepEqual((model.predict(tf.zeros([2, 16, 32, 32, 1])) as tf.Tensor).shape, [2, 8]));
    model.dispose();
  });

  test('resnext3d101 builds and reports its parameter count', () => {
    const model = resnext3d101();
    const s = summary(model);
    const expected = resnextBottleneckParams([3, 4, 23, 3], 32, 4, 400, 3);
    assert.equal(s.totalParams, expected);
    assert.equal(s.totalParams, 48_478_672);
    assert.deepEqual(s.outputShape, [null, 400]);
    console.log(
      `resnext3d101 (32×4d, 16×112×112×3, 400 classes): ${s.totalParams} params, ${(s.mflops / 1000).toFixed(1)} GFLOPs per clip`,
    );
    model.dispose();
  });

  test('resnext3d (tiny), r2plus1d and cnn2d run forward with the expected shapes', () => {
    const tiny = resnext3dTiny({ numClasses: 3, inputShape: [4, 16, 16, 1] });
    const r21 = r2plus1d({ depth: 10, width: 4, numClasses: 3, inputShape: [4, 16, 16, 1] });
    const frame = cnn2d({ inputShape: [16, 16, 1], numClasses: 3, width: 4, depth: 2 });
    tf.tidy(() => {
      const clips = tf.randomNormal([2, 4, 16, 16, 1]);
      assert.deepEqual((tiny.predict(clips) as tf.Tensor).shape, [2, 3]);
      assert.deepEqual((r21.predict(clips) as tf.Tensor).shape, [2, 3]);
      // Video level = mean of the frame probabilities.
      const video = predictVideo(frame, clips);
      assert.deepEqual(video.shape, [2, 3]);
      const frames = frame.predict(tf.reshape(clips, [8, 16, 16, 1])) as tf.Tensor;
      const manual = tf.mean(tf.reshape(frames, [2, 4, 3]), 1);
      assert.ok(tf.max(tf.abs(tf.sub(video, manual))).dataSync()[0]! < 1e-6);
    });
    // Depth 18 basic blocks: 2 per stage; the tiny preset (depth 10) has 1.
    const blocks = (m: tf.LayersModel) => m.layers.filter((l) => l.name.endsWith('_add')).length;
    assert.equal(blocks(tiny), 4);
    const deeper = resnext3d({ depth: 18, cardinality: 2, width: 2, numClasses: 3, inputShape: [4, 16, 16, 1] });
    assert.equal(blocks(deeper), 8);
    for (const m of [tiny, r21, frame, deeper]) m.dispose();
  });

  test('seeded builders start from the same weights', () => {
    const a = c3d({ inputShape: [4, 8, 8, 1], numClasses: 4, width: 0.02, stages: 2, seed: 7 });
    const b = c3d({ inputShape: [4, 8, 8, 1], numClasses: 4, width: 0.02, stages: 2, seed: 7 });
    a.getWeights().forEach((w, i) => assert.deepEqual(w.dataSync(), b.getWeights()[i]!.dataSync()));
    a.dispose();
    b.dispose();
  });
});

describe('input-shape errors', () => {
  test('wrong rank, batch axis included, too small, bad options', () => {
    assert.throws(() => c3d({ inputShape: [32, 32, 1], numClasses: 8 }), {
      message:
        'c3d: inputShape must be [T,H,W,C] (4 positive integers, no batch axis); got [32,32,1]. Fix: pass inputShape like [16, 32, 32, 1] for 16 gray frames of 32×32.',
    });
    assert.throws(() => resnext3d({ depth: 10, numClasses: 8, inputShape: [8, 16, 32, 32, 3] }), {
      message:
        'resnext3d: inputShape must be [T,H,W,C] (4 positive integers, no batch axis); got [8,16,32,32,3]. It looks like it includes the batch axis: drop the first number. Fix: pass inputShape like [16, 32, 32, 1] for 16 gray frames of 32×32.',
    });
    assert.throws(() => c3d({ inputShape: [8, 32, 32, 1], numClasses: 8 }), {
      message:
        'c3d: inputShape [T,H,W,C] = [8,32,32,1] is too small: T must be at least 16 for this depth (it is halved by each pooling stage); got 8. Fix: use larger clips or fewer stages.',
    });
    assert.throws(() => cnn2d({ inputShape: [16, 16, 16, 1], numClasses: 8 }), {
      message:
        'cnn2d: inputShape must be [H,W,C] (3 positive integers, no batch axis); got [16,16,16,1]. It looks like it includes the batch axis: drop the first number. Fix: pass inputShape like [32, 32, 3] for one RGB frame of 32×32.',
    });
    assert.throws(() => resnext3d({ depth: 12 as 10, numClasses: 8, inputShape: [8, 32, 32, 3] }), {
      message: 'resnext3d: depth must be one of 10, 18, 34, 50, 101; got 12',
    });
    assert.throws(() => c3d({ inputShape: [16, 32, 32, 1], numClasses: 0 }), {
      message: 'c3d: numClasses must be a whole number >= 1, got 0',
    });
  });
});

describe('save, load and transfer', () => {
  test('a ResNeXt with custom layers round-trips through fileIO', async () => {
    const model = resnext3dTiny({ numClasses: 3, inputShape: [4, 16, 16, 1] });
    const dir = join(scratch, 'resnext');
    await model.save(fileIO(dir));
    const loaded = await tf.loadLayersModel(fileIO(dir));
    tf.tidy(() => {
      const x = tf.randomNormal([1, 4, 16, 16, 1], 0, 1, 'float32', 3);
      assert.deepEqual((loaded.predict(x) as tf.Tensor).arraySync(), (model.predict(x) as tf.Tensor).arraySync());
    });
    model.dispose();
    loaded.dispose();
  });

  test('transferModel: frozen local backbone + new head', async () => {
    const backbone = cnn2d({ inputShape: [16, 16, 1], numClasses: 10, width: 4, depth: 2 });
    const dir = join(scratch, 'backbone');
    await backbone.save(fileIO(dir));
    const model = await transferModel({ backbonePath: dir, numClasses: 3, cutAt: 'gap' });
    const s = summary(model);
    assert.deepEqual(s.outputShape, [null, 3]);
    assert.equal(s.trainableParams, 8 * 3 + 3); // only the new head: 8 features → 3 classes
    await assert.rejects(
      transferModel({ backbonePath: join(scratch, 'missing'), numClasses: 3 }),
      /fileIO: cannot read .*missing\/model\.json/,
    );
    backbone.dispose();
    model.dispose();
  });
});
