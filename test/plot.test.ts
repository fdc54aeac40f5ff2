import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import sharp from 'sharp';

import * as plot from '../src/lib/plot';

/** A T-frame gray clip with a bright 2×2 square moving right one pixel a frame. */
function movingSquare(frames = 6, size = 8): plot.ClipLike {
  const data = new Uint8Array(frames * size * size);
  for (let t = 0; t < frames; t++) {
    for (let y = 3; y < 5; y++) for (let x = t; x < t + 2; x++) data[t * size * size + y * size + x] = 255;
  }
  return { data, shape: [frames, size, size, 1] };
}

describe('figure builders', () => {
  it('confusion heatmap: rows are true classes, normalised rows sum to 1, text per cell', () => {
    const fig = plot.confusionHeatmap(
      [
        [3, 1],
        [0, 4],
      ],
      ['left', 'right'],
      { normalize: true },
    );
    const trace = fig.data[0];
    assert.equal(trace?.type, 'heatmap');
    assert.deepEqual(trace?.z, [
      [0.75, 0.25],
      [0, 1],
    ]);
    assert.deepEqual(trace?.text, [
      ['0.75', '0.25'],
      ['0.00', '1.00'],
    ]);
    assert.equal(fig.layout.yaxis?.autorange, 'reversed');
  });

  it('says what is wrong when shapes do not match', () => {
    assert.throws(() => plot.confusionHeatmap([[1, 2]], ['a', 'b']), {
      message: 'confusionHeatmap: matrix is 1×2 but there are 2 class names; pass an 2×2 matrix',
    });
    assert.throws(() => plot.barChart(['a', 'b'], [1]), /labels has 2 entries but values has 1/);
    assert.throws(
      () => plot.groupedBar(['m1'], { val: [0.1, 0.2] }),
      /categories has 1 entries but series "val" has 2/,
    );
  });

  it('grouped bars carry asymmetric error bars as plotly error_y', () => {
    // Dyadic values, so that upper − value and value − lower are exact.
    const fig = plot.groupedBar(
      ['c3d', 'r3d'],
      { val: [0.5, 0.625], test: [0.75, 0.875] },
      {
        errorBars: {
          test: { lower: [0.5, 0.75], upper: [0.875, 1] },
          val: { plus: [0.25, 0.125], minus: [0.125, 0.0625] },
        },
      },
    );
    assert.equal(
      JSON.stringify(fig.data[1]),
      '{"type":"bar","name":"test","x":["c3d","r3d"],"y":[0.75,0.875],' +
        '"error_y":{"type":"data","symmetric":false,"array":[0.125,0.125],"arrayminus":[0.25,0.125],"visible":true}}',
    );
    assert.deepEqual(fig.data[0]?.error_y, {
      type: 'data',
      symmetric: false,
      array: [0.25, 0.125],
      arrayminus: [0.125, 0.0625],
      visible: true,
    });
    assert.equal(fig.layout.barmode, 'group');
    assert.equal(plot.groupedBar(['c3d'], { test: [0.75] }).data[0]?.error_y, undefined);
    assert.throws(
      () => plot.groupedBar(['c3d'], { test: [0.75] }, { errorBars: { tset: { plus: [0], minus: [0] } } }),
      {
        message: 'groupedBar: errorBars for "tset" but the series are "test"; key error bars by series name',
      },
    );
    assert.throws(
      () => plot.groupedBar(['c3d'], { test: [0.75] }, { errorBars: { test: { lower: [0.8], upper: [0.9] } } }),
      {
        message:
          'groupedBar: errorBars["test"].lower[0] = 0.8 is on the wrong side of the bar (0.75); pass lower ≤ value ≤ upper',
      },
    );
    assert.throws(
      () =>
        plot.groupedBar(['c3d', 'r3d'], { test: [0.75, 0.5] }, { errorBars: { test: { plus: [0.1], minus: [0.1] } } }),
      /series "test" has 2 entries but errorBars\["test"\].plus has 1/,
    );
  });

  it('training curves put accuracy on the right axis and pad late metrics', () => {
    const fig = plot.trainingCurves({ loss: [1, 0.5, 0.25], val_acc: [0.5, 0.7], lr: [0.1, 0.1, 0.1] });
    assert.deepEqual(
      fig.data.map((t) => [t.name, t.yaxis]),
      [
        ['loss', 'y'],
        ['val_acc', 'y2'],
      ],
    );
    assert.deepEqual(fig.data[1]?.y, [0.5, 0.7, null]);
  });

  it('show() outside a notebook writes a standalone offline HTML file', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'actlab-plot-')), 'counts.html');
    const written = plot.show(plot.classCounts({ a: 2, b: 3 }), { file, announce: false });
    assert.equal(written, file);
    const html = fs.readFileSync(file, 'utf8');
    assert.ok(html.includes('if (!window.Plotly)'));
    assert.ok(html.includes(plot.plotlyBundle().slice(0, 200)), 'the bundle is inlined');
    assert.doesNotMatch(html, /<script[^>]+src=/, 'nothing is loaded from the network');
    assert.match(html, /"x":\["a","b"\],"y":\[2,3\]/);
  });
});

describe('media', () => {
  it('a strip has one upscaled tile per frame, in order', async () => {
    const png = await plot.clipStripPng(movingSquare(), { scale: 2, gap: 1 });
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    assert.equal(info.width, 6 * 16 + 5);
    assert.equal(info.height, 16);
    // Frame t has its square at x = t..t+1 (upscaled: 2t..2t+3) on row 3 (upscaled 6..9).
    for (let t = 0; t < 6; t++) {
      const x = t * 17 + 2 * t + 1;
      assert.equal(data[(7 * info.width + x) * info.channels], 255, `frame ${t} square`);
      assert.equal(data[(7 * info.width + t * 17 + ((2 * t + 6) % 16)) * info.channels], 0, `frame ${t} background`);
    }
  });

  it('an animated GIF has one page per frame', async () => {
    const gif = await plot.clipGif(movingSquare(5), { scale: 3, fps: 10 });
    const meta = await sharp(gif, { animated: true }).metadata();
    assert.equal(meta.format, 'gif');
    assert.equal(meta.pages, 5);
    assert.equal(meta.width, 24);
    assert.deepEqual(meta.delay, [100, 100, 100, 100, 100]);
  });

  it('float clips in 0..1 are scaled, normalised ones stretched', async () => {
    const unit = { data: new Float32Array(4).fill(1), shape: [1, 2, 2, 1] as const };
    const png = await plot.clipStripPng(unit, { scale: 1 });
    const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    assert.equal(data[0], 255);
    const normalised = { data: Float32Array.from([-2, 2, -2, 2]), shape: [1, 2, 2, 1] as const };
    const raw = await sharp(await plot.clipStripPng(normalised, { scale: 1 }))
      .raw()
      .toBuffer();
    assert.deepEqual([raw[0], raw[3]], [0, 255]);
  });

  it('rejects a batch or channels-first clip with the fix', async () => {
    const batch = { data: new Uint8Array(2 * 4 * 8 * 8), shape: [2, 4, 8, 8] as const };
    await assert.rejects(
      plot.clipStripPng(batch as unknown as plot.ClipLike),
      /expected a clip shaped \[T,H,W,C\] with C = 1 or 3, got \[2,4,8,8\]; for a batch \[N,T,H,W,C\] pass one clip/,
    );
  });
});
