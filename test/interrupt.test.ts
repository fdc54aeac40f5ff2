/**
 * Kernel > Interrupt: the SIGINT hand-over between tslab and the library
 * (simulated in-process), train/predictDataset stopping after the current
 * batch, the second-training guard, and a real actlab kernel interrupted the
 * way Jupyter does it (SIGINT to the kernel's process group).
 */
import './helpers/stock-kernels';

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as vm from 'node:vm';

import * as tf from '@tensorflow/tfjs';

import { initBackend } from '../src/lib/backend';
import { loadDataset } from '../src/lib/data';
import { diagnose } from '../src/lib/doctor';
import { predictDataset } from '../src/lib/eval';
import { findJupyterPython, installKernelSpec, KERNEL_NAME, withJupyterPath } from '../src/lib/jupyter';
import { c3d } from '../src/lib/models';
import { InterruptedError, interruptScope, type InterruptScope, trainingNow } from '../src/lib/notebook';
import { latestCheckpoint, train } from '../src/lib/train';
import { extractDataset, openClipCache } from '../src/lib/video';
import { ROOT } from './helpers/cli';
import { makeTestVideo } from './helpers/fixtures';
import { skipWithoutJupyter } from './helpers/requirements';
import { syntheticDataset } from './helpers/train-data';

const scratch = mkdtempSync(join(tmpdir(), 'actlab-interrupt-'));
const tinyC3d = (seed = 1) =>
  c3d({ inputShape: [4, 8, 8, 1], numClasses: 4, width: 0.02, stages: 2, dropout: 0, seed });

before(async () => {
  await initBackend({ backend: 'cpu', log: null });
});
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Makes this process look like a tslab kernel that ran a cell, with `listener` as tslab's SIGINT listener. */
function pretendKernel(listener: () => void): () => void {
  const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData: unknown };
  jupyter.lastWriteDisplayData = () => undefined;
  process.on('SIGINT', listener);
  return () => {
    jupyter.lastWriteDisplayData = null;
    process.removeListener('SIGINT', listener);
  };
}

describe('interruptScope (in-process)', () => {
  test("outside a kernel it leaves SIGINT alone and follows the caller's signal", () => {
    const before = process.listenerCount('SIGINT');
    const caller = new AbortController();
    const scope = interruptScope(caller.signal);
    assert.equal(process.listenerCount('SIGINT'), before, 'Ctrl-C keeps Node’s default in a plain script');
    scope.throwIfAborted(() => 'unused');
    caller.abort(new Error('caller stop'));
    assert.equal(scope.signal.aborted, true);
    assert.equal(scope.interrupted, false);
    assert.throws(() => scope.throwIfAborted(() => 'unused'), /^Error: caller stop$/);
    scope.close();
    assert.equal(process.listenerCount('SIGINT'), before);
  });

  test('in a kernel: the first interrupt aborts the open scopes, the next goes to tslab; closing gives tslab its listener back', () => {
    let tslabCalls = 0;
    const tslab = () => void tslabCalls++;
    const restore = pretendKernel(tslab);
    try {
      const a = interruptScope();
      const b = interruptScope();
      assert.deepEqual(process.listeners('SIGINT').includes(tslab), false, 'tslab’s listener is set aside');
      assert.equal(process.listenerCount('SIGINT'), 1);
      process.emit('SIGINT', 'SIGINT');
      assert.deepEqual([a.signal.aborted, b.signal.aborted, a.interrupted, tslabCalls], [true, true, true, 0]);
      assert.throws(
        () => a.throwIfAborted(() => 'work: interrupted after 3 steps'),
        (error: Error) =>
          error instanceof InterruptedError && error.stack === 'InterruptedError: work: interrupted after 3 steps',
      );
      process.emit('SIGINT', 'SIGINT');
      assert.equal(tslabCalls, 1, 'a second interrupt frees the cell the tslab way');
      a.close();
      assert.equal(process.listeners('SIGINT').includes(tslab), false, 'b is still open');
      const c = interruptScope();
      assert.equal(c.signal.aborted, false, 'a scope opened later gets a fresh signal');
      b.close();
      c.close();
      c.close();
      assert.deepEqual(process.listeners('SIGINT'), [tslab]);
    } finally {
      restore();
    }
  });

  test("a scope opened in a cell's synchronous part (vm breakOnSigint) takes over once that part ends", async () => {
    const tslab = () => undefined;
    const restore = pretendKernel(tslab);
    const global = globalThis as { openScope?: () => InterruptScope };
    global.openScope = () => interruptScope();
    try {
      const scope = vm.runInThisContext('openScope()', { breakOnSigint: true }) as InterruptScope;
      assert.deepEqual(process.listeners('SIGINT'), [tslab], 'vm put tslab’s listener back');
      await Promise.resolve();
      assert.equal(process.listeners('SIGINT').includes(tslab), false);
      process.emit('SIGINT', 'SIGINT');
      assert.equal(scope.interrupted, true);
      scope.close();
      assert.deepEqual(process.listeners('SIGINT'), [tslab]);
    } finally {
      delete global.openScope;
      restore();
    }
  });
});

describe('train and predictDataset stop after the current batch', () => {
  test('an abort in epoch 2 stops after that batch: no part-epoch record or checkpoint, one line, and the rerun resumes', async () => {
    const runDir = join(scratch, 'abort');
    const controller = new AbortController();
    let armed = false;
    let batches = 0;
    // Aborts while the 3rd batch of epoch 2 is read: that batch is trained, then train stops.
    const data = syntheticDataset({ count: 64, seed: 3 }).map((batch) => {
      if (armed && ++batches === 3) controller.abort(new Error('stop'));
      return batch;
    }) as ReturnType<typeof syntheticDataset>;
    const lines: string[] = [];
    const model = tinyC3d();
    const result = await train(model, data, {
      epochs: 50,
      runDir,
      optimizer: { name: 'adam', learningRate: 3e-3 },
      progress: false,
      log: (line) => lines.push(line),
      signal: controller.signal,
      onEpochEnd: () => void (armed = true),
    });
    assert.equal(result.aborted, true);
    assert.deepEqual(
      result.history.map((r) => r.epoch),
      [0],
    );
    assert.equal(latestCheckpoint(runDir)?.state.epoch, 0);
    const history = JSON.parse(readFileSync(join(runDir, 'history.json'), 'utf8')) as { epochs: unknown[] };
    assert.equal(history.epochs.length, 1);
    assert.equal(batches, 3, 'no batch was read after the one that saw the abort');
    assert.equal(
      lines[lines.length - 1],
      `train: interrupted in epoch 2/50 after batch 3 of 8; the last checkpoint (epoch 1) is kept in ${runDir}; call train again with this runDir to continue`,
    );
    assert.equal(lines.filter((l) => l.startsWith('train: interrupted')).length, 1);
    assert.deepEqual(trainingNow(), [], 'the model is free again');

    const again = await train(model, syntheticDataset({ count: 64, seed: 3 }), {
      epochs: 2,
      runDir,
      optimizer: { name: 'adam', learningRate: 3e-3 },
      progress: false,
      log: null,
    });
    assert.deepEqual([again.startEpoch, again.history.length, again.aborted], [1, 2, false]);
    model.dispose();
  });

  test('a signal aborted before the first batch trains nothing and says so', async () => {
    const lines: string[] = [];
    const model = tinyC3d(5);
    const result = await train(model, syntheticDataset({ count: 16, seed: 1 }), {
      epochs: 3,
      progress: false,
      log: (line) => lines.push(line),
      signal: AbortSignal.abort(),
    });
    assert.deepEqual([result.aborted, result.history.length], [true, 0]);
    assert.deepEqual(lines, [
      'train: interrupted before epoch 1/3; no runDir, so no checkpoint: the model keeps the weights it has now',
    ]);
    model.dispose();
  });

  test('train refuses a second run on a model (or runDir) that is still training', async () => {
    const model = tinyC3d(2);
    const runDir = join(scratch, 'busy');
    const controller = new AbortController();
    const options = { epochs: 100, progress: false, log: null, runDir } as const;
    const first = train(model, syntheticDataset({ count: 32, seed: 1 }), { ...options, signal: controller.signal });
    await assert.rejects(
      train(model, syntheticDataset({ count: 32, seed: 1 }), { epochs: 1, progress: false, log: null }),
      {
        message: 'train: model "c3d" is still training in another call; abort it (its signal) or await it first',
      },
    );
    const other = tinyC3d(3);
    await assert.rejects(train(other, syntheticDataset({ count: 32, seed: 1 }), options), {
      message: `train: runDir ${runDir} is in use by model "c3d", still training in another call; abort it (its signal) or await it first; or pass another runDir`,
    });
    assert.deepEqual(
      trainingNow().map((t) => [t.model, t.runDir]),
      [['c3d', runDir]],
    );
    controller.abort();
    assert.equal((await first).aborted, true);
    assert.deepEqual(trainingNow(), []);
    other.dispose();
    model.dispose();
  });

  test('predictDataset stops before the next batch and rejects with the abort reason', async () => {
    const model = tinyC3d(4);
    const controller = new AbortController();
    let batches = 0;
    const data = syntheticDataset({ count: 64, seed: 5 }).map((batch) => {
      if (++batches === 2) controller.abort(new Error('enough'));
      return batch;
    }) as ReturnType<typeof syntheticDataset>;
    const tensors = tf.memory().numTensors;
    await assert.rejects(predictDataset(model, data, { signal: controller.signal }), /^Error: enough$/);
    assert.equal(batches, 2);
    assert.equal(tf.memory().numTensors, tensors, 'the last batch was disposed');
    model.dispose();
  });
});

describe('Kernel > Interrupt (simulated) stops predictDataset, diagnose and extractDataset with one line', () => {
  test('predictDataset: an InterruptedError saying how far it got', async () => {
    const restore = pretendKernel(() => undefined);
    try {
      const model = tinyC3d(6);
      let batches = 0;
      const data = syntheticDataset({ count: 64, seed: 5 }).map((batch) => {
        if (++batches === 2) process.emit('SIGINT', 'SIGINT');
        return batch;
      }) as ReturnType<typeof syntheticDataset>;
      await assert.rejects(predictDataset(model, data), (error: Error) => {
        assert.ok(error instanceof InterruptedError);
        assert.equal(
          error.message,
          'predictDataset: interrupted after 16 sample(s); nothing is kept, run the cell again',
        );
        return true;
      });
      model.dispose();
    } finally {
      restore();
    }
  });

  test('diagnose: the next training step throws; no tensor is left behind', async () => {
    const restore = pretendKernel(() => undefined);
    try {
      const model = tinyC3d(7);
      const tensors = tf.memory().numTensors;
      const done: string[] = [];
      await assert.rejects(
        diagnose(model, syntheticDataset({ count: 64, seed: 1 }), {
          checks: ['overfit-one-batch', 'label-shuffle-control'],
          onCheck: (r) => {
            done.push(r.id);
            process.emit('SIGINT', 'SIGINT');
          },
        }),
        (error: Error) => {
          assert.ok(error instanceof InterruptedError, String(error));
          assert.equal(
            error.message,
            'diagnose: interrupted after 1 finished check(s); run the cell again for all of them',
          );
          return true;
        },
      );
      assert.deepEqual(done, ['overfit-one-batch']);
      assert.equal(tf.memory().numTensors, tensors);
      model.dispose();
    } finally {
      restore();
    }
  });

  test('extractDataset: kept shards stay, and the line says how many', async () => {
    const dir = mkdtempSync(join(scratch, 'extract-'));
    for (let i = 0; i < 8; i++) makeTestVideo(join(dir, i % 2 ? 'a' : 'b', `clip_${i}.mp4`), { frames: 4 });
    const out = join(dir, 'cache');
    const restore = pretendKernel(() => undefined);
    try {
      await assert.rejects(
        extractDataset(loadDataset(dir), {
          out,
          frames: 2,
          width: 8,
          height: 8,
          clipsPerShard: 2,
          workers: 1,
          onProgress: (p) => p.done === 2 && process.emit('SIGINT', 'SIGINT'),
        }),
        (error: Error) => {
          assert.ok(error instanceof InterruptedError, String(error));
          assert.equal(
            error.message,
            `extractDataset: interrupted; kept 1 of 4 shard(s) (2 clips) in ${out}; run the cell again to resume from them`,
          );
          return true;
        },
      );
    } finally {
      restore();
    }
    assert.equal(openClipCache(out).shards.complete, 1);
  });
});

/**
 * Drives a real kernel with jupyter_client: executes cells in order and
 * interrupts with KernelManager.interrupt_kernel (SIGINT to the kernel's
 * process group, as Jupyter does for a kernel.json without interrupt_mode)
 * when a cell's output contains `interrupt.after`, `times` times, `gap` s apart.
 * argv[1]: JSON {kernel, cwd, cells: [{code, interrupt?, pause?, timeout?}]}.
 * Prints one line, RESULT + JSON: per cell its stream outputs (with times),
 * status and interrupt times; `stray`: stream output of any other request.
 */
const DRIVER_PY = String.raw`
import json, os, queue, sys, time
from jupyter_client.manager import KernelManager

spec = json.loads(sys.argv[1])
km = KernelManager(kernel_name=spec["kernel"])
km.start_kernel(cwd=spec["cwd"])
kc = km.client()
kc.start_channels()
kc.wait_for_ready(timeout=120)
t0 = time.time()
now = lambda: round(time.time() - t0, 3)
cells, stray = [], []

def drain(msg_id, cell, out):
    plan = cell.get("interrupt") or {}
    sent = []
    deadline = time.time() + cell.get("timeout", 120)
    while time.time() < deadline:
        if plan and sent and len(sent) < plan.get("times", 1) and now() - sent[-1] >= plan.get("gap", 1):
            km.interrupt_kernel()
            sent.append(now())
        try:
            msg = kc.get_iopub_msg(timeout=0.05)
        except queue.Empty:
            continue
        kind = msg["header"]["msg_type"]
        if msg["parent_header"].get("msg_id") != msg_id:
            if kind == "stream":
                stray.append({"t": now(), "text": msg["content"]["text"]})
            continue
        if kind == "stream":
            out.append({"t": now(), "name": msg["content"]["name"], "text": msg["content"]["text"]})
            text = "".join(o["text"] for o in out)
            if plan and not sent and plan["after"] in text:
                km.interrupt_kernel()
                sent.append(now())
        elif kind == "status" and msg["content"]["execution_state"] == "idle":
            return sent, now()
    return sent, None

try:
    for cell in spec["cells"]:
        time.sleep(cell.get("pause", 0.5))
        out = []
        started = now()
        msg_id = kc.execute(cell["code"])
        sent, ended = drain(msg_id, cell, out)
        status = None
        while ended is not None:
            reply = kc.get_shell_msg(timeout=30)
            if reply["parent_header"].get("msg_id") == msg_id:
                status = reply["content"].get("status")
                break
        cells.append({"started": started, "ended": ended, "interrupts": sent, "status": status, "outputs": out})
        if ended is None:
            break
    time.sleep(spec.get("linger", 1))
    while True:
        try:
            msg = kc.get_iopub_msg(timeout=0.2)
        except queue.Empty:
            break
        if msg["header"]["msg_type"] == "stream":
            stray.append({"t": now(), "text": msg["content"]["text"]})
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
sys.stdout.write("RESULT " + json.dumps({"cells": cells, "stray": stray}) + "\n")
sys.stdout.flush()
os._exit(0)
`;

interface KernelCell {
  readonly code: string;
  readonly interrupt?: { readonly after: string; readonly times?: number; readonly gap?: number };
  readonly pause?: number;
  readonly timeout?: number;
}

interface CellRun {
  readonly started: number;
  readonly ended: number | null;
  readonly interrupts: number[];
  readonly status: string | null;
  readonly outputs: Array<{ readonly t: number; readonly name: string; readonly text: string }>;
}

async function runKernel(cells: KernelCell[]): Promise<{ cells: CellRun[]; stray: Array<{ text: string }> }> {
  const { python } = findJupyterPython();
  const kernel = installKernelSpec();
  const spec = { kernel: KERNEL_NAME, cwd: ROOT, cells, linger: 1 };
  const child = spawn(python, ['-c', DRIVER_PY, JSON.stringify(spec)], {
    env: withJupyterPath(process.env, kernel.jupyterPath),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  assert.ok(line, `driver exited ${code} without a result:\n${stdout}\n${stderr}`);
  return JSON.parse(line.slice('RESULT '.length)) as { cells: CellRun[]; stray: Array<{ text: string }> };
}

const textOf = (cell: CellRun | undefined, name = 'stdout') =>
  (cell?.outputs ?? [])
    .filter((o) => o.name === name)
    .map((o) => o.text)
    .join('');

const NO_JUPYTER = skipWithoutJupyter('the jupyter_client interrupt test');

describe('a real Jupyter kernel (actlab kernel, jupyter_client)', { skip: NO_JUPYTER }, () => {
  test('Kernel > Interrupt stops training after the current batch, in its own cell, with one line', async () => {
    const runDir = join(scratch, 'kernel-run');
    // The library as this test build compiled it (notebooks import the same code as 'actlab').
    const lib = resolve(__dirname, '..', 'src', 'lib', 'index.js');
    const helpers = join(__dirname, 'helpers', 'train-data.js');
    const trainCell = `
const result = await lib.train.train(model, data.syntheticDataset({ count: 64, seed: 3 }), {
  epochs: 200, optimizer: { name: 'adam', learningRate: 3e-3 }, runDir: ${JSON.stringify(runDir)},
});
console.log(\`returned aborted=\${result.aborted} epochs=\${result.history.length}\`);`;
    const run = await runKernel([
      {
        code: `const lib = require(${JSON.stringify(lib)});
const data = require(${JSON.stringify(helpers)});
await lib.backend.initBackend({ backend: 'cpu', log: null });
const model = lib.models.c3d({ inputShape: [4, 8, 8, 1], numClasses: 4, width: 0.02, stages: 2, dropout: 0, seed: 1 });
console.log('ready');`,
      },
      { code: trainCell, interrupt: { after: 'epoch 2/' } },
      { code: `await new Promise((r) => setTimeout(r, 2000));\nconsole.log('MARKER');` },
      // Run again: it resumes from the kept checkpoint, alone (every epoch line once).
      { code: trainCell, interrupt: { after: '/200: ' } },
      // A second training of the same model while the first still runs is refused.
      {
        code: `const first = lib.train.train(model, data.syntheticDataset({ count: 64, seed: 3 }), { epochs: 200, progress: false, log: null });
await new Promise((r) => setTimeout(r, 300));
await lib.train.train(model, data.syntheticDataset({ count: 64, seed: 3 }), { epochs: 1 }).catch((e) => console.log(e.message));
console.log(\`first aborted=\${(await first).aborted}\`);`,
        interrupt: { after: 'still training' },
      },
      // Work that ignores its signal: the second interrupt frees the cell the tslab way.
      {
        code: `const stuck = lib.notebook.interruptScope();
await null; // print once the cell's synchronous part is over: an interrupt during it stops the script (vm)
console.log('stuck');
await new Promise((r) => setTimeout(r, 4000));
stuck.close();`,
        interrupt: { after: 'stuck', times: 2, gap: 1 },
      },
      // After an await: while a cell's synchronous part runs, vm has taken every SIGINT listener off.
      { code: `await null;\nconsole.log(process.listeners('SIGINT').map(String));`, pause: 4 },
    ]);
    const [setup, interrupted, next, rerun, refused, stuck, last] = run.cells;
    assert.equal(textOf(setup), 'ready\n', JSON.stringify(setup));

    // The interrupted cell: ends within a few seconds of the interrupt, with one line as the library's last word.
    assert.equal(interrupted?.status, 'ok', JSON.stringify(interrupted));
    assert.equal(interrupted.interrupts.length, 1);
    const seconds = interrupted.ended! - interrupted.interrupts[0]!;
    assert.ok(seconds < 5, `the cell ended ${seconds.toFixed(1)} s after the interrupt`);
    assert.equal(textOf(interrupted, 'stderr'), '', 'no tslab stack trace');
    const lines = textOf(interrupted).trimEnd().split('\n');
    const epochs = lines.filter((l) => /^epoch \d+\/200/.test(l)).length;
    assert.ok(epochs >= 2, lines.join('\n'));
    assert.equal(lines.at(-1), `returned aborted=true epochs=${epochs}`);
    const stopped = lines.at(-2) ?? '';
    const where = `(?:in epoch ${epochs + 1}/200 after batch [1-8] of 8|after epoch ${epochs}/200)`;
    const kept = `the last checkpoint \\(epoch ${epochs}\\) is kept in ${runDir}; run the cell again to continue`;
    assert.match(stopped, new RegExp(`^train: interrupted ${where}; ${kept}$`));
    assert.equal(lines.filter((l) => l.startsWith('train: interrupted')).length, 1);

    // The next cell runs normally and nothing from the training lands in it (or anywhere else).
    assert.deepEqual([next?.status, textOf(next), textOf(next, 'stderr')], ['ok', 'MARKER\n', '']);
    assert.ok(next.ended! - next.started >= 2);

    const rerunEpochs = textOf(rerun)
      .split('\n')
      .filter((l) => /^epoch \d+\/200/.test(l));
    assert.equal(rerunEpochs[0]?.split(':')[0], `epoch ${epochs + 1}/200`, textOf(rerun));
    assert.equal(new Set(rerunEpochs).size, rerunEpochs.length, 'no epoch printed twice');
    const resumed = /\ntrain: interrupted .*\nreturned aborted=true epochs=(\d+)\n$/.exec(textOf(rerun));
    assert.ok(resumed, textOf(rerun));
    assert.equal(
      latestCheckpoint(runDir)?.state.epoch,
      Number(resumed[1]) - 1,
      'the checkpoint of the last whole epoch',
    );

    assert.equal(
      textOf(refused),
      'train: model "c3d" is still training in another cell; interrupt it (Kernel > Interrupt) or wait for it to finish\n' +
        'first aborted=true\n',
    );

    assert.equal(stuck?.status, 'error', JSON.stringify(stuck));
    assert.equal(stuck.interrupts.length, 2);
    assert.match(textOf(stuck, 'stderr'), /Interrupted asynchronously/);
    assert.ok(stuck.ended! - stuck.interrupts[1]! < 1, 'the second interrupt freed the cell at once');
    assert.match(
      textOf(last),
      /^\[ '\(\) => \{\\n\s+executor\.interrupt\(\);\\n\s+\}' \]\n$/,
      'tslab’s listener is back, alone',
    );

    assert.deepEqual(run.stray, [], 'no output after a cell ended');
  });
});
