/**
 * Model builders with input-shape checks (2D CNN, C3D, 3D ResNeXt, R(2+1)D),
 * video-level prediction and transfer from a local backbone, and a readable
 * summary (output shapes, parameters, MFLOPs per clip).
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
  type ResNeXt3DDepth,
  type ResNeXt3DOptions,
  type ResNeXt3DPresetOptions,
} from './resnext3d';
export { withNewHead, type NewHeadOptions } from './transfer';
export { isPretrained, markPretrained, seedWeights, type InputLayout, validateInputShape } from './shape';
export { formatCount, type LayerSummary, type ModelSummary, summary, summaryHtml, summaryText } from './summary';
