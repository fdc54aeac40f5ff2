/**
 * Model builders with input-shape checks (2D CNN, C3D, 3D ResNeXt, R(2+1)D),
 * video-level prediction and transfer from a local backbone, and a readable
 * summary (output shapes, parameters, MFLOPs per clip).
 */
export * from './public';
export { type ResNeXt3DDepth } from './resnext3d';
export { isPretrained, markPretrained, type InputLayout, validateInputShape } from './shape';
export { summaryHtml } from './summary';
