/**
 * Custom tf.layers layers that serialize: `GroupedConv3D`, `ChannelBatchNorm`
 * (5-D in training), `GlobalAveragePooling3D`.
 *
 * What the package root exports as `layers`; actlab's own code (CLI, tests)
 * imports the whole folder through ./index, also `actlab/internal`.
 *
 * @packageDocumentation
 */
export { ChannelBatchNorm, type ChannelBatchNormArgs } from './batch-norm';
export { GlobalAveragePooling3D, type GlobalAveragePooling3DArgs } from './global-average-pooling3d';
export { GroupedConv3D, groupedConv3d, type GroupedConv3DArgs, type Triple } from './grouped-conv3d';
export { type LayerArgs } from './layer-args';
