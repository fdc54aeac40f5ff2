/**
 * The "my model learned nothing" doctor: `diagnose(model, data)` checks input
 * normalisation, identical frames, label balance and alignment (shuffled-label
 * control), first loss ≈ ln(C), overfitting one batch, NaNs and dead ReLUs,
 * the learning rate (range test), the label map the model was trained with,
 * and train/validation leakage by group. The "it learned the wrong thing"
 * doctor: `checkShortcuts(trainedModel, ...)` scores a trained model with the
 * frames shuffled, one frame repeated and the person hidden.
 */
export * from './public';
export { SHORTCUT_CHECK_IDS, type ShortcutCheckId } from './shortcut-verdicts';
