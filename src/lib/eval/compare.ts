/** A table comparing runs (the write-ups' 15/27/600-class table), each accuracy with its count and 95% interval. */
import { accuracyCell, percent, textAndHtmlTable } from './format';

/** What every row of {@link compareRuns} has, whatever it was scored on. */
export interface RunFacts {
  readonly model: string;
  readonly params: number;
  readonly epochs: number;
  /** Training wall-clock seconds. */
  readonly seconds: number;
  /**
   * Validation accuracy, e.g. the best epoch's `val_acc` from the run history
   * (picking the best epoch flatters it a little; the test split does not). @default none (shown as –)
   */
  readonly valAccuracy?: number;
  /** Validation samples valAccuracy was measured on; without it valAccuracy has no interval. @default unknown */
  readonly valSamples?: number;
  /** Classes the run predicts: adds a "chance" column, 1 / numClasses. @default no chance column */
  readonly numClasses?: number;
  /** Anything else worth a column: dataset, input size. @default '' */
  readonly note?: string;
}

/** A test accuracy always comes with its count, so that the table can show its interval. */
export type TestScore =
  | {
      /** Test accuracy, e.g. `report.clip.top1`. */
      readonly testAccuracy: number;
      /** Test samples testAccuracy was measured on, e.g. `report.clip.samples`. */
      readonly testSamples: number;
    }
  | { readonly testAccuracy?: undefined; readonly testSamples?: undefined };

/** One row of {@link compareRuns}: `testSamples` is required whenever `testAccuracy` is given. */
export type RunRow = RunFacts & TestScore;

export interface RunTable {
  readonly header: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
  readonly text: string;
  readonly html: string;
}

function duration(seconds: number): string {
  if (seconds < 90) return `${seconds.toFixed(0)} s`;
  if (seconds < 5400) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** `93.8% [87.0, 97.1] (n=96)` from an accuracy and the whole number of samples behind it. */
function scoredCell(model: string, split: 'test' | 'val', accuracy: number, samples: number): string {
  if (!Number.isInteger(samples) || samples <= 0) {
    throw new Error(
      `compareRuns: run "${model}" has ${split}Samples ${samples}; pass the number of ${split} samples, a whole number above 0`,
    );
  }
  const correct = Math.round(accuracy * samples);
  // Training logs average in float32: allow a little slack around the whole number of correct samples.
  if (!(Math.abs(accuracy * samples - correct) <= 0.05)) {
    const implied = Number((accuracy * samples).toFixed(2));
    throw new Error(
      `compareRuns: run "${model}": ${split}Accuracy ${accuracy} of ${split}Samples ${samples} is ${implied} correct ` +
        `samples, not a whole number; pass the accuracy and the sample count of the same ${split} split`,
    );
  }
  return accuracyCell(correct, samples);
}

/**
 * A comparison table of runs (model, params, epochs, time, val/test accuracy)
 * as text and HTML. Test accuracy is shown as `93.8% [87.0, 97.1] (n=96)`:
 * the 95% Wilson interval and the count, which `RunRow` requires alongside it
 * (`testAccuracy: report.clip.top1, testSamples: report.clip.samples`).
 * Validation accuracy gets the same when the row gives `valSamples`; otherwise
 * it is shown bare and its column header says so.
 */
export function compareRuns(runs: readonly RunRow[]): RunTable {
  const valUncounted = runs.some((r) => r.valAccuracy !== undefined && r.valSamples === undefined);
  const withChance = runs.some((r) => r.numClasses !== undefined);
  const header = [
    'model',
    'params',
    'epochs',
    'time',
    valUncounted ? 'val acc [95% CI if n known]' : 'val acc [95% CI]',
    'test acc [95% CI]',
    ...(withChance ? ['chance'] : []),
    'note',
  ];
  const rows = runs.map((r) => {
    let test = '–';
    if (r.testAccuracy !== undefined) {
      // RunRow requires testSamples here, but an untyped caller can still leave it out.
      const samples: number | undefined = r.testSamples;
      if (samples === undefined) {
        throw new Error(
          `compareRuns: run "${r.model}" has testAccuracy but no testSamples; ` +
            'pass testSamples (e.g. report.clip.samples) so that the table can show its interval',
        );
      }
      test = scoredCell(r.model, 'test', r.testAccuracy, samples);
    }
    const val =
      r.valAccuracy === undefined || r.valSamples === undefined
        ? percent(r.valAccuracy)
        : scoredCell(r.model, 'val', r.valAccuracy, r.valSamples);
    return [
      r.model,
      r.params >= 1e6 ? `${(r.params / 1e6).toFixed(2)} M` : `${(r.params / 1e3).toFixed(1)} k`,
      String(r.epochs),
      duration(r.seconds),
      val,
      test,
      ...(withChance ? [r.numClasses === undefined ? '–' : percent(1 / r.numClasses)] : []),
      r.note ?? '',
    ];
  });
  const { text, html } = textAndHtmlTable(header, rows);
  return { header, rows, text, html };
}
