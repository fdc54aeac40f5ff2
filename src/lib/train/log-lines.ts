/** The lines `train` prints: one per epoch, and one when a run is interrupted. */
import { inNotebook } from '../notebook/display';
import type { EpochRecord } from './checkpoint';
import type { ResumeMode } from './resume';

/** What of train()'s options the interrupted line names (TrainOptions has these fields). */
export interface InterruptedRun {
  readonly epochs: number;
  readonly runDir?: string;
  readonly resume?: ResumeMode;
}

/** `epoch 3/7: loss 0.4123  acc 0.8750 | 12.1s, 31.7 samples/s, lr 1.0e-3` */
export function epochLine(record: EpochRecord, epochs: number): string {
  const metrics = (['loss', 'acc', 'val_loss', 'val_acc'] as const)
    .filter((k) => record[k] !== undefined)
    .map((k) => `${k} ${record[k]!.toFixed(4)}`)
    .join('  ');
  return (
    `epoch ${record.epoch + 1}/${epochs}: ${metrics} | ${record.seconds.toFixed(1)}s, ` +
    `${record.samplesPerSecond.toFixed(1)} samples/s, lr ${record.lr.toExponential(1)}`
  );
}

/**
 * The one line an interrupted run prints: where it stopped (`part` = [batches
 * done, batches per epoch] when it stopped inside an epoch) and what is kept.
 */
export function interruptedLine(
  options: InterruptedRun,
  epoch: number,
  part: [number, number | undefined] | undefined,
  checkpoint: { readonly epoch: number },
): string {
  const where = !part
    ? `after epoch ${epoch + 1}/${options.epochs}`
    : part[0] === 0
      ? `before epoch ${epoch + 1}/${options.epochs}`
      : `in epoch ${epoch + 1}/${options.epochs} after batch ${part[0]}${part[1] ? ` of ${part[1]}` : ''}`;
  const again = inNotebook() ? 'run the cell again' : 'call train again with this runDir';
  let kept: string;
  if (!options.runDir) kept = 'no runDir, so no checkpoint: the model keeps the weights it has now';
  else if (checkpoint.epoch < 0) kept = `no checkpoint in ${options.runDir} yet (one is written after each epoch)`;
  else if (options.resume === false)
    kept = `the last checkpoint (epoch ${checkpoint.epoch + 1}) is in ${options.runDir}, but resume: false starts over`;
  else kept = `the last checkpoint (epoch ${checkpoint.epoch + 1}) is kept in ${options.runDir}; ${again} to continue`;
  return `train: interrupted ${where}; ${kept}`;
}
