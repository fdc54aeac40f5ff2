/**
 * Custom tf.layers layers for video models (each registered for model
 * save/load): grouped 3-D convolution, batch norm for 5-D input, and 3-D global
 * average pooling.
 */
export { ChannelBatchNorm, type ChannelBatchNormArgs } from './batch-norm';
export { GlobalAveragePooling3D, type GlobalAveragePooling3DArgs } from './global-average-pooling3d';
export { GroupedConv3D, groupedConv3d, type GroupedConv3DArgs, type Triple } from './grouped-conv3d';
export { type LayerArgs } from './layer-args';
