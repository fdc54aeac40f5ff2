/**
 * actlab's own tfjs kernels (im2col convolutions, a correct MaxPool3D), the
 * packs that put them on the wasm and cpu backends, and the pack registry.
 * Importing this module changes nothing: `initBackend` registers the packs and
 * applies them to the chosen backend.
 */
export { cpuHost, wasmHost, type BackendHost } from './backend-host';
export { conv2dGeometry, conv3dGeometry, outputPositions, patchSize, type ConvGeometry } from './conv-geometry';
export { convBackpropFilter, convBackpropInput, convForward } from './conv-im2col';
export {
  ConvThreadsError,
  convThreads,
  parseThreads,
  startConvThreads,
  stopConvThreads,
  type ConvThreadsInfo,
  type ConvThreadsOptions,
} from './conv-threads';
export {
  CHANNEL_NORM_BACKWARD,
  CHANNEL_NORM_FORWARD,
  channelNormBackward,
  channelNormForward,
  channelNormKernelConfigs,
  cpuMemory,
  wasmMemory,
  type ChannelNormAttrs,
  type TensorMemory,
} from './channel-norm';
export { CONV_KERNEL_NAMES, type ConvKernelName } from './conv-geometry';
export { convKernelConfigs } from './conv-kernels';
export { jsGemm, type Gemm } from './gemm';
export { fillColumns, scatterColumns } from './im2col';
export { maxPool3d, maxPool3dGrad, maxPool3dKernelConfigs, maxPoolGradKernelConfig } from './max-pool3d';
export { oneDnnKernelConfigs } from './onednn';
export { loadOneDnn, ONEDNN_HOW, type OneDnnAddon, type OneDnnStatus } from './onednn-addon';
export {
  GROUPED_CONV3D,
  GROUPED_CONV3D_BACKPROP_FILTER,
  GROUPED_CONV3D_BACKPROP_INPUT,
  groupedConv3dOp,
  hasGroupedConv3D,
  type GroupedConv3DAttrs,
} from './onednn-grouped';
export { cpuOneDnnPack, ONEDNN_PACK, oneDnnNote, registerOneDnnKernels, wasmOneDnnPack } from './onednn-pack';
export { cpuConvPack, KERNEL_PACKS, registerActlabKernels, wasmConvPack } from './packs';
export {
  applyKernelPacks,
  appliedKernelPacks,
  reapplyKernelPacks,
  registerKernelPack,
  type KernelPack,
} from './registry';
export { splitKernelConfig, splitMiddle } from './split';
export { leadingAxesReduceConfig, sumRows } from './sum-leading-axes';
