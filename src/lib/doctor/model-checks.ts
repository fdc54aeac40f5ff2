/** Checks that run the model: first loss, NaNs and dead ReLUs, overfitting one batch, the shuffled-label control. */
import * as tf from '@tensorflow/tfjs';

import { createRng } from '../util/random';
import { type CheckContext, type CheckResult, chance, fmt, pct, result } from './check';
import { accuracy, crossEntropy, withTrainedCopy } from './samples';

/** First-batch loss of the untrained model should be about ln(C). */
export function checkInitialLoss(ctx: CheckContext): CheckResult {
  const { model, sample, numClasses } = ctx;
  const title = 'First loss ≈ ln(C)';
  if (!ctx.fresh) {
    return result(
      'initial-loss',
      title,
      'skip',
      'The model is trained (its biases or batch-norm statistics have moved from their initial values): its loss says nothing about the initialisation.',
      'Diagnose a freshly built model for this check.',
      {},
    );
  }
  // The first 64 samples estimate the mean loss well enough.
  const n = Math.min(64, sample.labels.length);
  const xs = tf.slice(sample.xs, 0, n);
  let loss: number;
  try {
    loss = crossEntropy(model, xs, sample.labels.slice(0, n), numClasses);
  } finally {
    xs.dispose();
  }
  const expected = Math.log(numClasses);
  const ratio = loss / expected;
  const details = { loss, expected, ratio };
  const head = `Loss before training is ${fmt(loss)}; guessing uniformly over ${numClasses} classes scores ln(${numClasses}) = ${fmt(expected)}.`;
  if (!Number.isFinite(loss) || ratio > 3) {
    return result(
      'initial-loss',
      title,
      'fail',
      `${head} The model starts far too confident (or NaN).`,
      'Standardise the inputs, and make the last layer a softmax over numClasses with a small initialisation.',
      details,
    );
  }
  if (ratio < 0.7 || ratio > 1.5) {
    return result(
      'initial-loss',
      title,
      'warn',
      head,
      'Check the loss matches the labels (one-hot vs sparse) and the output is a softmax.',
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
    // 32 samples show a dead unit as well as all of them, in a fraction of the memory.
    const values = probe.predict(tf.slice(sample.xs, 0, Math.min(32, sample.labels.length))) as tf.Tensor[];
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
      `${pct(worst[1])} of the units after "${worst[0]}" output 0 for every sample: they are dead and pass no gradient.`,
      'Lower the learning rate, add batch norm before the ReLU, or check the inputs are not all negative.',
      details,
    );
  }
  const summary = worst ? `at most ${pct(worst[1])} dead units per ReLU layer` : 'no ReLU layers';
  return result('nan-dead-relu', title, 'pass', `Weights and outputs are finite; ${summary}.`, '', details);
}

export interface OverfitOptions {
  /** Most Adam steps; training stops once the loss is below 0.02. */
  readonly steps: number;
  /** Samples in the batch. */
  readonly batchSize: number;
}

/** The overfit check's fixed optimizer: Adam at a rate that suits most models, so a wrong planned rate cannot fail it. */
const OVERFIT_LR = 1e-3;

/**
 * Can a copy of the model (dropout off) memorise one small batch, trained
 * full-batch with Adam 1e-3? If not, something in the model or the loss is
 * broken. Memorising works with wrong labels too, so passing says nothing
 * about the labels (that is the shuffled-label control's job).
 */
export async function checkOverfitOneBatch(ctx: CheckContext, options: OverfitOptions): Promise<CheckResult> {
  const title = 'Can overfit one small batch';
  const n = Math.min(options.batchSize, ctx.sample.labels.length);
  const labels = ctx.sample.labels.slice(0, n);
  const xs = tf.slice(ctx.sample.xs, 0, n);
  try {
    const optimizer = tf.train.adam(OVERFIT_LR);
    const trainOptions = { steps: options.steps, optimizer, stopBelow: 0.02, signal: ctx.signal };
    const [acc, losses, finalLoss] = await withTrainedCopy(
      ctx.model,
      xs,
      labels,
      ctx.numClasses,
      trainOptions,
      (copy, l) => [accuracy(copy, xs, labels), l, crossEntropy(copy, xs, labels, ctx.numClasses)] as const,
    );
    const details = {
      samples: n,
      steps: losses.length,
      maxSteps: options.steps,
      firstLoss: losses[0],
      finalLoss,
      accuracy: acc,
    };
    const measured = `accuracy ${pct(acc)} (${chance(ctx.numClasses)}), loss ${fmt(losses[0] ?? NaN)} → ${fmt(finalLoss)}`;
    if (acc === 1) {
      return result(
        'overfit-one-batch',
        title,
        'pass',
        `Memorised ${n} samples in ${losses.length} Adam steps (lr ${OVERFIT_LR}, dropout off): ${measured}.`,
        '',
        details,
      );
    }
    return result(
      'overfit-one-batch',
      title,
      'fail',
      `Could not memorise ${n} samples in ${losses.length} Adam steps (lr ${OVERFIT_LR}, dropout off): ${measured}.`,
      'A model that cannot memorise a few samples has a bug in the model or the loss: check the last layer is a softmax over numClasses, the loss matches the labels, and no layer is frozen by mistake. A very deep model may need more overfitSteps.',
      details,
    );
  } finally {
    xs.dispose();
  }
}

export interface ControlOptions {
  /** Most Adam steps of the real-label training; the control trains as many as it took. */
  readonly steps: number;
  /** Samples per step. */
  readonly batchSize: number;
  /** Adam's learning rate for both copies. @default 0.001 */
  readonly learningRate?: number;
  /** Samples held out of training and scored, from the end of the sample. */
  readonly heldOut: number;
  /** Steps between held-out scores of the real-label copy (it stops once clearly above chance). @default 10 */
  readonly every?: number;
}

/**
 * Held-out accuracy must be this far above chance (1/C) and above the
 * shuffled-label control to pass: 3.4 standard deviations of chance-level
 * accuracy on 32 held-out samples of 8 classes.
 */
const CONTROL_MARGIN = 0.2;
/** Below this far above chance or the control, the labels fail; in between the check is inconclusive (warn). */
const CONTROL_NO_SIGNAL = 0.1;
/** The real-label copy stops training once this far above chance (leaving room to beat the control by the margin). */
const CONTROL_EARLY_STOP = 0.3;

/**
 * Trains one copy with the real labels until its held-out accuracy is
 * clearly above chance (1/C) or the steps run out, then one as long with
 * the labels shuffled among the training samples (it learns only the label
 * frequencies). It passes when the real labels beat chance and the control
 * by 20 points; it fails when they stay within 10 points of either: the
 * labels carry no signal the model can find (labels misaligned with their
 * clips, or inputs that hide what separates the classes). In between it is
 * inconclusive (warn). Copies must generalise here, not memorise, so this
 * is the one check that needs a few hundred samples and steps.
 */
export async function checkLabelShuffleControl(ctx: CheckContext, options: ControlOptions): Promise<CheckResult> {
  const title = 'Labels carry signal (shuffled-label control)';
  const learningRate = options.learningRate ?? 1e-3;
  if (!(learningRate > 0))
    throw new Error(`diagnose: controlLearningRate must be a positive number, got ${learningRate}`);
  const n = ctx.sample.labels.length;
  const held = Math.min(options.heldOut, Math.floor(n / 2));
  const trained = n - held;
  if (held < 2 * ctx.numClasses) {
    return result(
      'label-shuffle-control',
      title,
      'skip',
      `Needs at least ${4 * ctx.numClasses} samples (2 per class held out); got ${n}.`,
      'Pass more data (or raise maxSamples).',
      {},
    );
  }
  const trainXs = tf.slice(ctx.sample.xs, 0, trained);
  const heldXs = tf.slice(ctx.sample.xs, trained, held);
  try {
    const trainLabels = ctx.sample.labels.slice(0, trained);
    const heldLabels = ctx.sample.labels.slice(trained);
    const chanceLevel = 1 / ctx.numClasses;
    let steps = options.steps;
    const run = (labels: readonly number[], earlyStop: boolean) => {
      const trainOptions = {
        steps,
        batchSize: options.batchSize,
        optimizer: tf.train.adam(learningRate),
        seed: ctx.seed,
        signal: ctx.signal,
        ...(earlyStop && {
          every: options.every ?? 10,
          until: (copy: tf.LayersModel, done: number) => {
            steps = done;
            return accuracy(copy, heldXs, heldLabels) >= chanceLevel + CONTROL_EARLY_STOP;
          },
        }),
      };
      return withTrainedCopy(ctx.model, trainXs, labels, ctx.numClasses, trainOptions, (copy, losses) => {
        steps = losses.length;
        return accuracy(copy, heldXs, heldLabels);
      });
    };
    const real = await run(trainLabels, true);
    const control =
      real >= chanceLevel + CONTROL_NO_SIGNAL ? await run(createRng(ctx.seed).shuffle(trainLabels), false) : undefined;
    const details = {
      heldOutAccuracy: real,
      shuffledControlAccuracy: control,
      chance: chanceLevel,
      trainSamples: trained,
      heldOutSamples: held,
      steps,
      maxSteps: options.steps,
      batchSize: options.batchSize,
      learningRate,
    };
    const setup = `after ${steps} Adam steps (lr ${learningRate}, batches of ${options.batchSize} from ${trained} samples), held-out accuracy on ${held} samples`;
    const controlNote = control === undefined ? '' : ` vs ${pct(control)} with shuffled labels`;
    const measured = `${setup} is ${pct(real)} with the real labels${controlNote} (${chance(ctx.numClasses)})`;
    if (control !== undefined && real >= chanceLevel + CONTROL_MARGIN && real >= control + CONTROL_MARGIN) {
      return result('label-shuffle-control', title, 'pass', `The labels are learnable: ${measured}.`, '', details);
    }
    if (control !== undefined && real >= control + CONTROL_NO_SIGNAL) {
      return result(
        'label-shuffle-control',
        title,
        'warn',
        `Inconclusive: ${measured}. The copy is above chance but has not generalised clearly yet.`,
        'Raise controlSteps and maxSamples (more distinct training samples) and run it again.',
        details,
      );
    }
    return result(
      'label-shuffle-control',
      title,
      'fail',
      `No learnable signal: ${measured}.`,
      'Check each label stays with its clip (shuffle inputs and labels together), the label map is the one the data was built with, and the frames show what separates the classes. A slow learner needs more maxSamples and controlSteps.',
      details,
    );
  } finally {
    tf.dispose([trainXs, heldXs]);
  }
}
