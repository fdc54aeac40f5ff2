/** Checks that run the model: first loss, NaNs and dead ReLUs, overfitting one batch, the shuffled-label control. */
import * as tf from '@tensorflow/tfjs';

import { disposeOptimizer } from '../train/optimizers';
import { createRng } from '../util/random';
import { type CheckContext, type CheckResult, fmt, result } from './check';
import { accuracy, crossEntropy, trainCopy } from './samples';

/** First-batch loss of the untrained model should be about ln(C). */
export function checkInitialLoss({ model, sample, numClasses }: CheckContext): CheckResult {
  const loss = crossEntropy(model, sample.xs, sample.labels, numClasses);
  const expected = Math.log(numClasses);
  const ratio = loss / expected;
  const details = { loss, expected, ratio };
  const title = 'First loss ≈ ln(C)';
  const head = `Loss before training is ${fmt(loss)}; a model that guesses uniformly over ${numClasses} classes scores ln(${numClasses}) = ${fmt(expected)}.`;
  if (!Number.isFinite(loss) || ratio > 3) {
    return result(
      'initial-loss',
      title,
      'fail',
      `${head} It starts far too confident (or NaN).`,
      'Usually unnormalised inputs or an exploding initialisation; make sure the last layer is a softmax over numClasses and the inputs are standardised.',
      details,
    );
  }
  if (ratio < 0.7 || ratio > 1.5) {
    return result(
      'initial-loss',
      title,
      'warn',
      `${head} (If the model is already trained this is expected.)`,
      'For a fresh model: check the loss matches the labels (one-hot vs sparse) and the output is a softmax.',
      details,
    );
  }
  return result('initial-loss', title, 'pass', head, '', details);
}

/** NaN/Inf in weights or outputs, and ReLU units that never fire on the sample. */
export function checkNanDeadRelu({ model, sample }: CheckContext): CheckResult {
  const title = 'No NaNs, no dead ReLUs';
  const badWeights = model.weights.filter((w) =>
    tf.tidy(() => tf.any(tf.logicalNot(tf.isFinite(w.read()))).dataSync()[0] === 1),
  );
  const reluLayers = model.layers.filter((l) => {
    const config = l.getConfig();
    return l.getClassName() === 'ReLU' || config['activation'] === 'relu';
  });
  const dead: Record<string, number> = {};
  let outputFinite = true;
  tf.tidy(() => {
    const outputs = [...reluLayers.map((l) => l.output as tf.SymbolicTensor), model.outputs[0]!];
    const probe = tf.model({ inputs: model.inputs, outputs });
    const values = probe.predict(sample.xs) as tf.Tensor[];
    const last = values[values.length - 1]!;
    outputFinite = tf.all(tf.isFinite(last)).dataSync()[0] === 1;
    reluLayers.forEach((layer, i) => {
      const v = values[i]!;
      // A unit (channel) is dead when it is 0 for every sample and position.
      const axes = v.shape.slice(0, -1).map((_, a) => a);
      const active = tf.max(v, axes);
      dead[layer.name] = tf.mean(tf.cast(tf.lessEqual(active, 0), 'float32')).dataSync()[0]!;
    });
  });
  const details = { nonFiniteWeights: badWeights.map((w) => w.name), deadFraction: dead };
  if (badWeights.length > 0 || !outputFinite) {
    const where =
      badWeights.length > 0
        ? `weights ${badWeights
            .slice(0, 3)
            .map((w) => w.name)
            .join(', ')}`
        : 'the model output';
    return result(
      'nan-dead-relu',
      title,
      'fail',
      `NaN or Infinity in ${where}.`,
      'Training diverged: lower the learning rate, normalise the inputs, and restart from a checkpoint before the NaNs.',
      details,
    );
  }
  const worst = Object.entries(dead).sort((a, b) => b[1] - a[1])[0];
  if (worst && worst[1] > 0.5) {
    return result(
      'nan-dead-relu',
      title,
      'warn',
      `${(worst[1] * 100).toFixed(0)}% of the units after "${worst[0]}" output 0 for every sample: they are dead and pass no gradient.`,
      'Lower the learning rate, add batch norm before the ReLU, or check the inputs are not all negative.',
      details,
    );
  }
  const summary = worst ? `at most ${(worst[1] * 100).toFixed(0)}% dead units per ReLU layer` : 'no ReLU layers';
  return result('nan-dead-relu', title, 'pass', `Weights and outputs are finite; ${summary}.`, '', details);
}

/** Can the model memorise one small batch? If not, something in the plumbing is broken. */
export async function checkOverfitOneBatch(ctx: CheckContext, steps: number, batchSize: number): Promise<CheckResult> {
  const title = 'Can overfit one small batch';
  const n = Math.min(batchSize, ctx.sample.labels.length);
  const xs = tf.slice(ctx.sample.xs, 0, n);
  const labels = ctx.sample.labels.slice(0, n);
  const optimizer = tf.train.adam(1e-3);
  const { copy, losses } = await trainCopy(ctx.model, xs, labels, ctx.numClasses, steps, optimizer);
  const acc = accuracy(copy, xs, labels);
  const finalLoss = crossEntropy(copy, xs, labels, ctx.numClasses);
  copy.dispose();
  disposeOptimizer(optimizer);
  xs.dispose();
  const details = { samples: n, steps, firstLoss: losses[0], finalLoss, accuracy: acc };
  if (acc >= 0.99 || finalLoss < 0.1 * (losses[0] ?? Infinity)) {
    return result(
      'overfit-one-batch',
      title,
      'pass',
      `Memorised ${n} samples in ${steps} Adam steps (accuracy ${(acc * 100).toFixed(0)}%, loss ${fmt(losses[0] ?? NaN)} → ${fmt(finalLoss)}).`,
      '',
      details,
    );
  }
  return result(
    'overfit-one-batch',
    title,
    'fail',
    `Could not memorise ${n} samples in ${steps} Adam steps (lr 1e-3): accuracy ${(acc * 100).toFixed(0)}%, loss ${fmt(losses[0] ?? NaN)} → ${fmt(finalLoss)}.`,
    'A model that cannot overfit 8 clips has a bug, not a data problem: check the loss matches the labels, the last layer is softmax over numClasses, the inputs are normalised and no layer is frozen by mistake.',
    details,
  );
}

/**
 * Trains on half the sample with the real labels and, as a control, with
 * shuffled labels; compares accuracy on the other half. Real labels must beat
 * both chance and the control, or the labels carry no signal the model can see.
 */
export async function checkLabelShuffleControl(ctx: CheckContext, steps: number): Promise<CheckResult> {
  const title = 'Labels carry signal (shuffled-label control)';
  const n = ctx.sample.labels.length;
  const half = Math.floor(n / 2);
  if (half < 2 * ctx.numClasses) {
    return result(
      'label-shuffle-control',
      title,
      'skip',
      `Needs at least ${4 * ctx.numClasses} samples; got ${n}.`,
      'Pass more data (or raise maxSamples).',
      {},
    );
  }
  const trainXs = tf.slice(ctx.sample.xs, 0, half);
  const heldXs = tf.slice(ctx.sample.xs, half, n - half);
  const trainLabels = ctx.sample.labels.slice(0, half);
  const heldLabels = ctx.sample.labels.slice(half);
  const shuffled = createRng(ctx.seed).shuffle(trainLabels);
  const run = async (labels: number[]) => {
    const optimizer = tf.train.adam(1e-3);
    const { copy } = await trainCopy(ctx.model, trainXs, labels, ctx.numClasses, steps, optimizer);
    const acc = accuracy(copy, heldXs, heldLabels);
    copy.dispose();
    disposeOptimizer(optimizer);
    return acc;
  };
  const real = await run(trainLabels);
  const control = await run(shuffled);
  tf.dispose([trainXs, heldXs]);
  const chance =
    Math.max(...new Array(ctx.numClasses).fill(0).map((_, c) => heldLabels.filter((l) => l === c).length)) /
    heldLabels.length;
  const details = { heldOutAccuracy: real, shuffledControlAccuracy: control, chance, trainSamples: half, steps };
  const numbers = `held-out accuracy ${(real * 100).toFixed(0)}% with the real labels vs ${(control * 100).toFixed(0)}% with shuffled labels (chance ${(chance * 100).toFixed(0)}%)`;
  if (real >= chance + 0.2 && real >= control + 0.15) {
    return result(
      'label-shuffle-control',
      title,
      'pass',
      `After ${steps} steps on ${half} samples: ${numbers}.`,
      '',
      details,
    );
  }
  return result(
    'label-shuffle-control',
    title,
    'fail',
    `No learnable signal after ${steps} steps on ${half} samples: ${numbers}. The labels look unrelated to the inputs.`,
    'Check that labels stay aligned with their clips (shuffle inputs and labels together, same file order), that the label map is the one used to build the data, and that the inputs show what separates the classes (motion needs differing frames).',
    details,
  );
}
