/** The clips behind a report's mistakes, decoded and labelled for `plot.showMisclassified`. */
import type { ClipSource, SplitSelection } from '../pipeline/source';
import { selectSplit } from '../pipeline/source';
import type { LabelledClip } from '../plot/media';
import type { EvaluationReport } from './report';

/**
 * The `limit` most confident mistakes of `report` as clips `[T,H,W,C]` uint8
 * with true and predicted labels. `evaluated` is the pipeline (or any
 * `{source, split}`) the report was made from, unshuffled, so that row i of
 * the report is clip i of the split.
 */
export async function misclassifiedClips(
  report: EvaluationReport,
  evaluated: { readonly source: ClipSource; readonly split: SplitSelection },
  limit = 6,
): Promise<LabelledClip[]> {
  const rows = selectSplit(evaluated.source, evaluated.split);
  if (rows.length !== report.clip.samples) {
    throw new Error(
      `the report has ${report.clip.samples} samples but split "${evaluated.split}" has ${rows.length} clips: ` +
        "pass the clip pipeline the report was made from (layout 'clip', not shuffled)",
    );
  }
  const out: LabelledClip[] = [];
  for (const mistake of report.misclassified.slice(0, limit)) {
    const entryIndex = rows[mistake.index] as number;
    const entry = evaluated.source.entries[entryIndex];
    const data = await evaluated.source.read(entryIndex);
    out.push({
      clip: { data, shape: evaluated.source.shape },
      trueLabel: report.classNames[mistake.trueLabel] ?? String(mistake.trueLabel),
      predictedLabel: report.classNames[mistake.predictedLabel] ?? String(mistake.predictedLabel),
      confidence: mistake.confidence,
      source: entry?.path.split(/[\\/]/).slice(-2).join('/'),
    });
  }
  return out;
}
