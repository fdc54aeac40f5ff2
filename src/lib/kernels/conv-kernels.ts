/**
 * tfjs kernel configs for Conv2D / Conv3D and their input and filter gradients,
 * all running the im2col + GEMM code on a backend host (wasm or cpu), shared
 * with worker threads when they run (see conv-threads.ts).
 */
import * as tf from '@tensorflow/tfjs';

import type { BackendHost } from './backend-host';
import { checkOutputShape, conv2dGeometry, conv3dGeometry } from './conv-geometry';
import { convBackpropFilterOn, convBackpropInputOn, convForwardOn } from './conv-threads';

type HostFactory = (backend: object) => BackendHost;
type Pad = 'same' | 'valid' | number;
type Pad2D = tf.backend_util.ExplicitPadding | Pad;

/** Names of the kernels {@link convKernelConfigs} can build. */
export const CONV_KERNEL_NAMES = [
  tf.Conv2D,
  tf.Conv2DBackpropInput,
  tf.Conv2DBackpropFilter,
  tf.Conv3D,
  tf.Conv3DBackpropInputV2,
  tf.Conv3DBackpropFilterV2,
] as const;
export type ConvKernelName = (typeof CONV_KERNEL_NAMES)[number];

/** Kernel configs for `backendName`, limited to `names`. */
export function convKernelConfigs(
  backendName: string,
  hostFor: HostFactory,
  names: readonly ConvKernelName[] = CONV_KERNEL_NAMES,
): tf.KernelConfig[] {
  const all: Record<ConvKernelName, tf.KernelFunc> = {
    [tf.Conv2D]: ({ inputs, backend, attrs }) => {
      const { x, filter } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
      const a = attrs as unknown as tf.Conv2DAttrs;
      const g = conv2dGeometry(
        x.shape,
        filter.shape,
        a.strides,
        a.pad as Pad2D,
        a.dilations,
        a.dataFormat,
        a.dimRoundingMode,
      );
      const host = hostFor(backend);
      const y = convForwardOn(host, x, filter, g);
      return host.write([g.batch, g.outHeight, g.outWidth, g.outChannels], y);
    },
    [tf.Conv2DBackpropInput]: ({ inputs, backend, attrs }) => {
      const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const a = attrs as unknown as tf.Conv2DBackpropInputAttrs;
      const g = conv2dGeometry(
        a.inputShape,
        filter.shape,
        a.strides,
        a.pad as Pad2D,
        1,
        a.dataFormat,
        a.dimRoundingMode,
      );
      checkOutputShape(g, dy.shape, 4, 'Conv2DBackpropInput');
      const host = hostFor(backend);
      return host.write(a.inputShape, convBackpropInputOn(host, dy, filter, g));
    },
    [tf.Conv2DBackpropFilter]: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      const g = conv2dGeometry(x.shape, a.filterShape, a.strides, a.pad as Pad2D, 1, a.dataFormat, a.dimRoundingMode);
      checkOutputShape(g, dy.shape, 4, 'Conv2DBackpropFilter');
      const host = hostFor(backend);
      return host.write(a.filterShape, convBackpropFilterOn(host, x, dy, g));
    },
    [tf.Conv3D]: ({ inputs, backend, attrs }) => {
      const { x, filter } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
      const a = attrs as unknown as tf.Conv3DAttrs;
      checkChannelsLast3D(a.dataFormat, x.shape);
      const g = conv3dGeometry(x.shape, filter.shape, a.strides, a.pad as Pad, a.dilations);
      const host = hostFor(backend);
      const y = convForwardOn(host, x, filter, g);
      return host.write([g.batch, g.outDepth, g.outHeight, g.outWidth, g.outChannels], y);
    },
    [tf.Conv3DBackpropInputV2]: ({ inputs, backend, attrs }) => {
      const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const a = attrs as unknown as tf.Conv3DBackpropInputV2Attrs;
      const g = conv3dGeometry(a.inputShape, filter.shape, a.strides, a.pad as Pad, 1);
      checkOutputShape(g, dy.shape, 5, 'Conv3DBackpropInputV2');
      const host = hostFor(backend);
      return host.write(a.inputShape, convBackpropInputOn(host, dy, filter, g));
    },
    [tf.Conv3DBackpropFilterV2]: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const a = attrs as unknown as tf.Conv3DBackpropFilterV2Attrs;
      const g = conv3dGeometry(x.shape, a.filterShape, a.strides, a.pad as Pad, 1);
      checkOutputShape(g, dy.shape, 5, 'Conv3DBackpropFilterV2');
      const host = hostFor(backend);
      return host.write(a.filterShape, convBackpropFilterOn(host, x, dy, g));
    },
  };
  return names.map((kernelName) => ({ kernelName, backendName, kernelFunc: all[kernelName] }));
}

function checkChannelsLast3D(dataFormat: string | undefined, xShape: readonly number[]): void {
  if (dataFormat !== undefined && dataFormat !== 'NDHWC') {
    throw new Error(
      `actlab conv3d supports channels-last NDHWC only; got dataFormat "${dataFormat}" for x [${xShape}]`,
    );
  }
}
