/**
 * `cnn2d`, `c3d`, `resnext3d` (depth 10–101, presets `resnext3d101`,
 * `resnext3dTiny`), `r2plus1d`, transfer from a local backbone, readable
 * `summary` (shapes, params, MFLOPs).
 *
 * What the package root exports as `models`; actlab's own code (CLI, tests)
 * imports the whole folder through ./index, also `actlab/internal`.
 *
 * @packageDocumentation
 */
export { c3d, c3dSmall, type C3DOptions } from './c3d';
export { cnn2d, type Cnn2dOptions, predictVideo, transferModel, type TransferOptions } from './cnn2d';
export { r2plus1d, r2plus1dTiny, type R2Plus1DOptions } from './r2plus1d';
export {
  RESNEXT3D_DEPTHS,
  resnext3d,
  resnext3d101,
  resnext3d50,
  resnext3dTiny,
  type ResNeXt3DOptions,
  type ResNeXt3DPresetOptions,
} from './resnext3d';
export { withNewHead, type NewHeadOptions } from './transfer';
export { seedWeights } from './shape';
export { formatCount, type LayerSummary, type ModelSummary, summary, summaryText } from './summary';
