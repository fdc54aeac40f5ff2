/**
 * Executes every tutorial notebook through real Jupyter with the actlab kernel,
 * exactly as `npm run tutorial` does, and checks what each one printed.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { recipe } from '../src/lib/recipes';
import { ROOT, runCli } from './helpers/cli';
import { skipWithoutJupyter } from './helpers/requirements';

const OUT = path.join(ROOT, 'out', 'test-notebooks');
/** The notebooks' training runs: apart from `npm run tutorial`'s out/runs, and deleted first so each trains from scratch. */
const RUNS = path.join(ROOT, 'out', 'test-runs');

interface Output {
  output_type: string;
  name?: string;
  text?: string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
}

function outputsOf(notebook: string): Map<string, string> {
  const nb = JSON.parse(fs.readFileSync(path.join(OUT, notebook), 'utf8')) as {
    cells: Array<{ id: string; cell_type: string; outputs?: Output[] }>;
  };
  const byId = new Map<string, string>();
  for (const cell of nb.cells) {
    if (cell.cell_type !== 'code') continue;
    for (const out of cell.outputs ?? []) {
      // tslab reports thrown errors as stderr text rather than as error outputs: check both.
      assert.notEqual(out.output_type, 'error', `${notebook} cell ${cell.id}: ${out.ename}: ${out.evalue}`);
      const stderr = out.output_type === 'stream' && out.name === 'stderr' ? out.text?.join('') : '';
      assert.doesNotMatch(stderr ?? '', /^\w*Error: /m, `${notebook} cell ${cell.id} printed an error`);
    }
    const text = (cell.outputs ?? [])
      .map((o) => [...(o.text ?? []), ...Object.values(o.data ?? {}).flat()].join(''))
      .join('');
    byId.set(cell.id, text);
  }
  return byId;
}

describe('tutorial notebooks', () => {
  it('all run through Jupyter (npm run tutorial) without an error', () => {
    fs.rmSync(OUT, { recursive: true, force: true });
    fs.rmSync(RUNS, { recursive: true, force: true });
    const run = runCli(['tutorial', '--out', OUT, '--runs', RUNS]);
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    // Each chapter's wall time, for the record (speed is measured in bench/, not asserted here).
    for (const line of run.stdout.split('\n').filter((l) => l.startsWith('✔') || l.startsWith('All ')))
      console.log(line);
    const notebooks = fs.readdirSync(path.join(ROOT, 'notebooks')).filter((f) => /^\d\d_.*\.ipynb$/.test(f));
    assert.ok(notebooks.length >= 1);
    for (const nb of notebooks) {
      assert.ok(fs.existsSync(path.join(OUT, nb.replace(/\.ipynb$/, '.html'))), `${nb} has an HTML copy`);
      outputsOf(nb);
    }
  });

  it('00_setup reports the backend, the tools and a clean tensor count', () => {
    const out = outputsOf('00_setup.ipynb');
    assert.match(out.get('backend') ?? '', /actlab: TensorFlow.js backend "(tensorflow|wasm|cpu)"/);
    assert.match(out.get('report') ?? '', /ffmpeg version/);
    const jupyter = skipWithoutJupyter('') === false ? 'nbclient' : 'not found: needed only to open the notebooks';
    assert.match(out.get('report') ?? '', new RegExp(`Jupyter</th><td[^>]*>${jupyter}`));
    assert.match(out.get('report-assert') ?? '', /ffmpeg and ffprobe found; \d+ CPU cores/);
    assert.match(out.get('tensor') ?? '', /clips shape \[N,T,H,W,C\]: \[ 2, 8, 32, 32, 1 \]/);
    assert.match(out.get('tensor-mean') ?? '', /tensors alive after dispose: 0/);
  });

  it('01_typescript shows each pitfall as it really behaves in tslab', () => {
    const out = outputsOf('01_typescript.ipynb');
    assert.match(out.get('redeclare-again') ?? '', /learning rate now 0\.01/);
    assert.match(out.get('async') ?? '', /without await: Promise \{ <pending> \}\n.*with await: +[0-9a-f]{64}/);
    assert.match(out.get('tidy') ?? '', /after the leaky line: 4 new tensors\n.*; 4 new tensors still alive/);
    assert.match(out.get('dispose') ?? '', /after dispose: 2 new tensors alive/);
    assert.match(out.get('forawait') ?? '', /\[ 3, 2, 1 \] 5/);
    // If tslab fixes shorthand properties, this fails: then drop that pitfall from the chapter and the README.
    assert.match(
      out.get('shorthand') ?? '',
      /\{ epochs \} → ReferenceError: epochs is not defined\n\{ epochs: epochs \} → \{"epochs":3\}/,
    );
    assert.match(out.get('lastexpr') ?? '', /^42\n?$/);
  });

  it('02_upload: packing cuts the requests, an interrupted upload resumes with the rest, the round trip is identical', () => {
    const out = outputsOf('02_upload.ipynb');
    const number = (cell: string, pattern: RegExp): number[] => {
      const match = pattern.exec(out.get(cell) ?? '');
      assert.ok(match, `${cell}: ${out.get(cell)} does not match ${pattern}`);
      return match.slice(1).map(Number);
    };
    const [files] = number('setup', /^(\d+) files, /);
    const [asIsObjects, asIsRequests] = number('asis', /as-is: (\d+) objects, (\d+) HTTP requests/);
    const [packedObjects, packedRequests] = number('pack', /= (\d+) objects, (\d+) HTTP requests/);
    assert.equal(asIsObjects, files);
    assert.ok(packedObjects! <= 3 && packedRequests! * 50 < asIsRequests!, `${packedRequests} vs ${asIsRequests}`);
    assert.match(out.get('estimate') ?? '', /estimated network time at a 50 ms round trip/);
    assert.match(out.get('interrupt') ?? '', /stopped: .*AbortError.*re-run the same command to resume/);
    const [kept, toSend] = number('kept', /in the bucket already: (\d+) objects; still to send: (\d+)/);
    assert.ok(kept! >= 200 && kept! < files!, `kept ${kept}`);
    const [sent, skipped] = number('resume', /resumed: sent (\d+), skipped (\d+)/);
    assert.deepEqual([sent, skipped, sent! + skipped!], [toSend, kept, files]);
    const [sha1, sha2] = /in the bucket: ([0-9a-f]{64})\n +on disk: +([0-9a-f]{64})/
      .exec(out.get('head') ?? '')!
      .slice(1);
    assert.equal(sha1, sha2);
    assert.deepEqual(number('download', /(\d+) of (\d+) identical to the originals/), [files, files]);
    assert.match(out.get('real') ?? '', /ACTLAB_UPLOAD_TO is not set: nothing was sent/);
    assert.match(out.get('stop') ?? '', /its folder is gone/);
  });

  it('03_data explores the bundled people set: balanced classes, group splits, the memory arithmetic', () => {
    const out = outputsOf('03_data.ipynb');
    assert.match(out.get('explore') ?? '', /672 videos, 8 classes, layout "folder"/);
    assert.match(out.get('explore') ?? '', /classes: bend, clap, jack, jump, run, walk, wave_one, wave_two/);
    assert.match(out.get('counts') ?? '', /imbalance ratio: 1\.00/);
    const splits = out.get('splits') ?? '';
    for (const count of ['train: 384', 'val: 96', 'test: 96', 'swapped: 96', '| groups: 84'])
      assert.ok(splits.includes(count), `${count} in ${splits}`);
    // People are shown: a grid (PNG) of middle frames, strips, and an animation (GIF).
    assert.match(out.get('look') ?? '', /<img src="data:image\/png;base64,/);
    assert.match(out.get('anim') ?? '', /data:image\/gif;base64,/);
    assert.match(out.get('memory') ?? '', /UCF101 whole: 29\.9 GiB; streamed: 0\.1 GiB/);
  });

  it('04_frames decodes as many frames as ffprobe says and resumes the cache', () => {
    const out = outputsOf('04_frames.ipynb');
    assert.match(out.get('stream') ?? '', /decoded 16 frames; ffprobe said 16/);
    assert.match(out.get('cache') ?? '', /672 clips in 11 shards \(\d+ already done\), 0 skipped/);
    assert.match(out.get('resume') ?? '', /second run: 11 of 11 shards already done/);
    assert.match(out.get('verify') ?? '', /every clip matches its checksum/);
  });

  it('05_batching streams shaped batches and explains a shape mismatch', () => {
    const out = outputsOf('05_batching.ipynb');
    assert.match(
      out.get('pipe') ?? '',
      /one sample \[T,H,W,C\] = \[16,64,64,3\], 384 clips, 24 batches of 16 per epoch/,
    );
    assert.match(
      out.get('batch') ?? '',
      /xs shape \[B,T,H,W,C\]: \[ 16, 16, 64, 64, 3 \] \| ys shape \[B,classes\]: \[ 16, 8 \]/,
    );
    assert.match(out.get('norm') ?? '', /normalised batch: mean -?0\.\d\d, std [01]\.\d\d/);
    assert.match(out.get('shapes') ?? '', /model expects \[T,H,W,C\]=\[16,112,112,3\] but clips are \[16,64,64,3\]/);
  });

  /** The clip-level top-1 a chapter's report printed, as a fraction, with its count. */
  function testTop1(text: string, notebook: string): { top1: number; correct: number; n: number } {
    const m = /clip level: {2}top-1 (\d+\.\d)% \((\d+)\/(\d+), 95% CI \d+\.\d–\d+\.\d%\)/.exec(text);
    assert.ok(m, `${notebook} prints the clip-level top-1 with its count and interval`);
    return { top1: Number(m[1]) / 100, correct: Number(m[2]), n: Number(m[3]) };
  }

  it('06–08 train the recipes as on real data, evaluate on the test split and save each model: all score high', () => {
    // The scene gives most test clips away, so the frame model scores high too (chapter 09 shows why).
    const limits = { cnn2d: [0.6, 1], c3d: [0.85, 1], resnext3d: [0.8, 1] } as const;
    for (const [notebook, model] of [
      ['06_cnn2d.ipynb', 'cnn2d'],
      ['07_c3d.ipynb', 'c3d'],
      ['08_resnext3d.ipynb', 'resnext3d'],
    ] as const) {
      const out = outputsOf(notebook);
      const epochs = recipe(model).epochs;
      assert.match(
        out.get('train') ?? '',
        new RegExp(`after ${epochs} epochs \\(\\d+ s of training\\): train acc \\d+\\.\\d%, val acc \\d+\\.\\d%`),
        notebook,
      );
      const evaluated = [...out.values()].join('');
      const { top1, n } = testTop1(evaluated, notebook);
      // 8 classes with at least 12 test clips each, so one clip is worth about a point.
      assert.ok(n >= 96, `${notebook}: ${n} test clips`);
      const [lo, hi] = limits[model];
      assert.ok(top1 >= lo && top1 <= hi, `${notebook}: test top-1 ${top1} outside [${lo}, ${hi}]`);
      assert.match(evaluated, /(the most frequent mistakes: \w+ taken for \w+ \(\d+ of \d+\)|no mistakes)/, notebook);
      assert.match(evaluated, /model saved in .*out\/test-runs\/[\w-]+\/model/, notebook);
      assert.ok(fs.existsSync(path.join(RUNS, recipe(model).runName, 'run.json')), `${notebook} records its run`);
    }
    // The frame model pretrained on stills of people, then fine-tuned on frames, as seed 001's was.
    const stills = outputsOf('06_cnn2d.ipynb').get('stills') ?? '';
    assert.match(stills, /data:image\/png;base64,.*val top-1 \d+\.\d% on stills of other people/s);
    const tuned = /fine-tuned from the stills for 6 epochs: test (\d+\.\d)% \(\d+\/96, 95% CI/.exec(stills);
    assert.ok(tuned && Number(tuned[1]) >= 60, `fine-tuned frame model: ${stills.slice(-400)}`);
    assert.match(outputsOf('07_c3d.ipynb').get('setup') ?? '', /c3d: models\.c3dSmall, \d+ epochs of batches of \d+/);
    assert.match(
      outputsOf('07_c3d.ipynb').get('cost') ?? '',
      /\d+\.\d MFLOPs per clip, \d+% of it in the 3D convolutions/,
    );
    assert.match(outputsOf('08_resnext3d.ipynb').get('groups') ?? '', /110592 weights; with 32 groups: 3456/);
  });

  it('09_evaluation compares the runs with intervals, exposes the scene shortcut on swapped, and the paste fixes C3D', () => {
    const out = outputsOf('09_evaluation.ipynb');
    const labels = ['2D CNN (frame average)', '2D CNN fine-tuned from stills', 'C3D', '3D ResNeXt (tiny)'];
    for (const label of labels) {
      assert.match(
        out.get('eval') ?? '',
        new RegExp(`${label.replace(/[()]/g, '\\$&')}: test top-1 \\d+\\.\\d% \\(\\d+/\\d+, 95% CI`),
      );
      assert.ok((out.get('table') ?? '').includes(label), `${label} in the table`);
    }
    assert.match(out.get('eval') ?? '', /chance: 12\.5% \(1 of 8 classes\)/);
    assert.match(out.get('table') ?? '', /"error_y"/);
    /** A row of the swapped table (an HTML table in the notebook): test and swapped as fractions. */
    const row = (cell: string, label: string): { test: number; swapped: number } => {
      const score = String.raw`<td[^>]*>(\d+\.\d)% \[[\d.]+, [\d.]+\] \(n=96\)</td>`;
      const m = new RegExp(`>${label.replace(/[()]/g, '\\$&')}</td>${score}${score}`).exec(out.get(cell) ?? '');
      assert.ok(m, `09 ${cell} has a row for ${label} with test and swapped: ${out.get(cell)}`);
      return { test: Number(m[1]) / 100, swapped: Number(m[2]) / 100 };
    };
    const tuned = row('swapped', '2D CNN fine-tuned from stills');
    assert.ok(tuned.test >= 0.6 && tuned.swapped <= 0.25, `fine-tuned frame model ${JSON.stringify(tuned)}`);
    const plain = row('swapped', 'C3D');
    assert.ok(plain.test - plain.swapped >= 0.2, `C3D without the paste ${JSON.stringify(plain)}`);
    // The swapped clips go to the action whose scene they show: a confusion matrix is drawn.
    assert.match(out.get('swapped') ?? '', /C3D, swapped clips/);
    assert.match(out.get('paste') ?? '', /data:image\/png;base64,/);
    const fixed = row('fix', 'C3D, scene paste');
    assert.ok(fixed.test >= 0.85 && fixed.swapped >= 0.75, `C3D with the paste ${JSON.stringify(fixed)}`);
    assert.match(
      out.get('fix') ?? '',
      /swapping the scenes costs C3D trained as on real data \d+ points; with the paste, -?\d+/,
    );
  });

  it('10_doctor: each planted bug fails the check meant for it, and the healthy C3D passes every check', () => {
    const out = outputsOf('10_doctor.ipynb');
    assert.match(
      out.get('unscaled') ?? '',
      /FAIL<\/td><td>Inputs are normalised<\/td><td>Inputs look unnormalised: mean \d{3}/,
    );
    const table = out.get('table') ?? '';
    assert.match(table, /pixels 0–255 +failed: input-stats, initial-loss\n/);
    assert.match(table, /every frame the same +failed: frames-differ\n/);
    assert.match(table, /labels off by one +failed: label-map\n/);
    assert.match(table, /learning rate [\d.]+ +failed: learning-rate\n/);
    assert.match(table, /labels shuffled +failed: label-shuffle-control\n/);
    assert.match(table, /none \(healthy\) +failed: none/);
    assert.match(out.get('healthy') ?? '', /every check passed/);
    // "It learned the wrong thing": the scene-leaning C3D is flagged, the fixed one passes,
    // the frame model's order checks are explained, and the planted marker is caught.
    const [plain, fixed] = (out.get('wrong') ?? '').split('C3D, trained with the scene paste (chapter 09):');
    assert.match(plain ?? '', /FAIL background: Hiding the person changes little: the model uses the background/);
    assert.match(fixed ?? '', /PASS background: Hiding the person drops the accuracy to chance/);
    assert.doesNotMatch(fixed ?? '', /FAIL/);
    const frame = out.get('frame') ?? '';
    assert.match(frame, /INFO order: A frame model classifies each frame alone/);
    assert.match(frame, /INFO one-frame: A frame model reads one frame at a time by design/);
    assert.match(frame, /FAIL background:/);
    const marker = out.get('marker') ?? '';
    assert.match(
      marker,
      /2D CNN trained with the class marker:\n.*\n.*\nFAIL background: Hiding the person changes little/,
    );
  });

  it('05 and 07 measure the hurdles: memory whole against streamed, epoch time by frame size, data stalls', () => {
    const rss = outputsOf('05_batching.ipynb').get('rss') ?? '';
    assert.match(rss, /nothing +peak RSS \d+ MiB \(0 MiB above loading nothing\), 0 clips/);
    assert.match(rss, /stream +peak RSS \d+ MiB .*384 clips\n.*whole +peak RSS \d+ MiB .*384 clips/);
    assert.match(rss, /UCF101 whole at 16×112×112 RGB would peak near \d+ GiB/);
    const c3d = outputsOf('07_c3d.ipynb');
    assert.match(
      c3d.get('sizes') ?? '',
      /32×32 \(×1\.0 the pixels\).*\n64×64 \(×4\.0 the pixels\).*\n112×112 \(×12\.3 the pixels\)/,
    );
    assert.match(c3d.get('stall') ?? '', /waited for the next batch \d+\.\d% of their \d+ s/);
  });

  it('11_transfer: the backbone that learned movement transfers to new actions, the one that learned places hardly', () => {
    const out = outputsOf('11_transfer.ipynb');
    assert.match(
      out.get('task') ?? '',
      /classes: box, kick, skip, squat\n8 training clips and 32 test clips per class/,
    );
    const compare = out.get('compare') ?? '';
    for (const label of [
      'from scratch',
      'frozen, place backbone',
      'frozen, motion backbone',
      'fine-tuned motion backbone',
    ])
      assert.ok(compare.includes(label), `${label} in ${compare}`);
    assert.match(compare, /frozen, motion backbone vs from scratch: \+\d+\.\d points; the intervals do not overlap/);
    assert.match(
      compare,
      /frozen, motion backbone vs frozen, place backbone: \+\d+\.\d points; the intervals do not overlap/,
    );
  });

  it('13_datasets rehearses UCF101 on the bundled clips and does the arithmetic for the real ones', () => {
    const out = outputsOf('13_datasets.ipynb');
    assert.match(out.get('setup') ?? '', /8 classes, 480 clips in trainlist01\.txt, 96 in testlist01\.txt/);
    assert.match(out.get('splits') ?? '', /in more than one split: 0/);
    assert.match(out.get('real') ?? '', /UCF101: 13320 clips.*cache \d+\.\d GiB; whole in memory \d+ GiB/);
  });
});
