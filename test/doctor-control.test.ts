/**
 * The doctor's shuffled-label control on the bundled data, with diagnose's
 * default budget and the recipes' learning rates: a healthy C3D and a
 * healthy ResNeXt pass every check, and shuffled labels fail the control
 * while memorising one batch still works. The control's copies must
 * generalise to held-out clips, which takes ~70–80 Adam steps of 16 clips:
 * minutes on two cores, so these tests run only with ACTLAB_SLOW_TESTS=1.
 */
import './helpers/stock-kernels';

import { before, describe, test } from 'node:test';

import { initBackend } from '../src/lib/backend';
import { CHECK_IDS } from '../src/lib/doctor';
import {
  type BundledClips,
  buildRecipe,
  CHEAP,
  diagnosePlanted,
  everything,
  expectStatus,
  readBundledClips,
} from './helpers/bundled-clips';

const slow = process.env.ACTLAB_SLOW_TESTS === '1' ? false : 'minutes of training: set ACTLAB_SLOW_TESTS=1 to run';

let clips: BundledClips;

before(async () => {
  if (slow) return;
  await initBackend({ backend: 'wasm', log: null });
  // diagnose's default sample: 224 clips train the control's copies, 32 are held out.
  clips = await readBundledClips(256);
});

describe('the shuffled-label control on the bundled data', { skip: slow }, () => {
  test('a healthy C3D passes every check', async () => {
    const model = buildRecipe(clips, 'c3d');
    const diagnosis = await diagnosePlanted(model, clips, undefined, everything(clips, 'c3d'));
    expectStatus(diagnosis, 'pass', CHECK_IDS);
    model.dispose();
  });

  test('shuffled labels: only the shuffled-label control fails', async () => {
    const model = buildRecipe(clips, 'c3d');
    const diagnosis = await diagnosePlanted(model, clips, 'shuffled-labels', {
      checks: [...CHEAP, 'overfit-one-batch', 'label-shuffle-control'],
    });
    expectStatus(diagnosis, 'fail', ['label-shuffle-control']);
    expectStatus(diagnosis, 'pass', [...CHEAP, 'overfit-one-batch']);
    model.dispose();
  });

  test('a healthy ResNeXt passes every check, the control trained at its recipe rate', async () => {
    // At Adam's default 0.001 the tiny ResNeXt memorised the 224 clips before it generalised (held-out
    // 25% after 150 steps: inconclusive); at its recipe's 0.003 it passed after ~70 steps.
    const model = buildRecipe(clips, 'resnext3d');
    const diagnosis = await diagnosePlanted(model, clips, undefined, everything(clips, 'resnext3d'));
    expectStatus(diagnosis, 'pass', CHECK_IDS);
    model.dispose();
  });
});
