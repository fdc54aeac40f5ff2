/**
 * A grouped 3-D convolution as one kernel (and one kernel per gradient)
 * instead of split → `groups` convolutions → concat. Only the onednn pack
 * implements these kernels; {@link hasGroupedConv3D} says whether the active
 * backend has them, and layers fall back to split/concat when it does not.
 */
import * as tf from '@tensorflow/tfjs';

/** Kernel name: inputs `{ x, filter }`, attrs {@link GroupedConv3DAttrs}; output y. */
export const GROUPED_CONV3D = 'ActlabGroupedConv3D';
/** Kernel name: inputs `{ dy, filter }`, attrs {@link GroupedConv3DAttrs} plus `inputShape`; output dx. */
export const GROUPED_CONV3D_BACKPROP_INPUT = 'ActlabGroupedConv3DBackpropInput';
/** Kernel name: inputs `{ x, dy }`, attrs {@link GroupedConv3DAttrs} plus `filterShape`; output dfilter. */
export const GROUPED_CONV3D_BACKPROP_FILTER = 'ActlabGroupedConv3DBackpropFilter';

export interface GroupedConv3DAttrs {
  readonly strides: [number, number, number];
  readonly pad: 'same' | 'valid';
  /** Channel groups; divides the input and output channels. */
  readonly groups: number;
}

/** Whether the active backend runs grouped 3-D convolutions as one kernel. */
export function hasGroupedConv3D(): boolean {
  // engine().backendName, unlike getBackend(), never starts a backend.
  const backend = tf.engine().backendName;
  return [GROUPED_CONV3D, GROUPED_CONV3D_BACKPROP_INPUT, GROUPED_CONV3D_BACKPROP_FILTER].every(
    (name) => tf.getKernel(name, backend) !== undefined,
  );
}

/**
 * Grouped conv3d of x [N,D,H,W,C] (float32, channels-last) with filter
 * [kD,kH,kW,C/groups,outC] → [N,D',H',W',outC]. Group g reads input channels
 * g·C/groups.. and writes output channels g·outC/groups.. (split/concat order).
 * Needs {@link hasGroupedConv3D}.
 */
export function groupedConv3dOp(x: tf.Tensor5D, filter: tf.Tensor5D, attrs: GroupedConv3DAttrs): tf.Tensor5D {
  const engine = tf.engine();
  const named = attrs as unknown as tf.NamedAttrMap;
  const conv = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, kernel, save] = args as [tf.Tensor5D, tf.Tensor5D, tf.GradSaveFunc];
    const y = engine.runKernel(GROUPED_CONV3D, { x: input, filter: kernel }, named) as tf.Tensor5D;
    save([input, kernel]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sfilter] = saved as [tf.Tensor5D, tf.Tensor5D];
        const dx = engine.runKernel(GROUPED_CONV3D_BACKPROP_INPUT, { dy, filter: sfilter }, {
          ...attrs,
          inputShape: sx.shape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
        const dfilter = engine.runKernel(GROUPED_CONV3D_BACKPROP_FILTER, { x: sx, dy }, {
          ...attrs,
          filterShape: sfilter.shape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
        return [dx, dfilter];
      },
    };
  });
  return conv(x, filter) as tf.Tensor5D;
}
