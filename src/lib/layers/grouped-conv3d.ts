/**
 * A 3-D convolution whose channels are split into `groups` independent
 * convolutions (ResNeXt's cardinality). tf.layers.conv3d has no `groups`.
 */
import * as tf from '@tensorflow/tfjs';

import { groupedConv3dOp, hasGroupedConv3D } from '../kernels/onednn-grouped';
import type { LayerArgs } from './layer-args';

export type Triple = [number, number, number];

export interface GroupedConv3DArgs extends LayerArgs {
  /** Output channels; must be divisible by `groups`. */
  readonly filters: number;
  /** Filter size [kD,kH,kW] (or one number for all three). */
  readonly kernelSize: number | Triple;
  /** @default 1 */
  readonly strides?: number | Triple;
  /** @default 'same' */
  readonly padding?: 'same' | 'valid';
  /** Channel groups; input and output channels must both be divisible by it. @default 1 */
  readonly groups?: number;
  /** @default true */
  readonly useBias?: boolean;
}

function triple(value: number | Triple): Triple {
  return typeof value === 'number' ? [value, value, value] : value;
}

/** Grouped conv3d on channels-last input [N,D,H,W,C] (float32) → [N,D',H',W',filters]. */
export class GroupedConv3D extends tf.layers.Layer {
  static className = 'ActlabGroupedConv3D';
  readonly filters: number;
  readonly kernelSize: Triple;
  readonly strides: Triple;
  readonly padding: 'same' | 'valid';
  readonly groups: number;
  readonly useBias: boolean;
  private kernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: GroupedConv3DArgs) {
    super(args);
    this.filters = args.filters;
    this.kernelSize = triple(args.kernelSize);
    this.strides = triple(args.strides ?? 1);
    this.padding = args.padding ?? 'same';
    this.groups = args.groups ?? 1;
    this.useBias = args.useBias ?? true;
    if (!Number.isInteger(this.groups) || this.groups < 1 || this.filters % this.groups !== 0) {
      throw new Error(
        `GroupedConv3D: filters (${this.filters}) must be divisible by groups (${this.groups}), a positive integer`,
      );
    }
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as tf.Shape;
    const channels = shape[4];
    if (shape.length !== 5 || channels == null || channels % this.groups !== 0) {
      throw new Error(
        `GroupedConv3D: input must be [N,D,H,W,C] with C divisible by groups (${this.groups}); got [${shape.map(String)}]`,
      );
    }
    this.kernel = this.addWeight(
      'kernel',
      [...this.kernelSize, channels / this.groups, this.filters],
      'float32',
      tf.initializers.heNormal({}),
    );
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = inputShape as tf.Shape;
    const out = [1, 2, 3].map((axis, i) => {
      const size = shape[axis];
      if (size == null) return null;
      const k = this.kernelSize[i]!;
      const s = this.strides[i]!;
      return this.padding === 'same' ? Math.ceil(size / s) : Math.ceil((size - k + 1) / s);
    });
    return [shape[0] ?? null, ...out, this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor5D;
      const kernel = this.kernel!.read() as tf.Tensor5D;
      let y: tf.Tensor5D;
      if (this.groups === 1) {
        y = tf.conv3d(x, kernel, this.strides, this.padding) as tf.Tensor5D;
      } else if (hasGroupedConv3D()) {
        // One kernel for all groups (the onednn pack), no split/concat copies.
        y = groupedConv3dOp(x, kernel, { strides: this.strides, pad: this.padding, groups: this.groups });
      } else {
        // Group g sees input channels g·Cin/G.. and owns output channels g·F/G..
        const xs = tf.split(x, this.groups, 4);
        const ks = tf.split(kernel, this.groups, 4);
        y = tf.concat(
          xs.map((xg, g) => tf.conv3d(xg as tf.Tensor5D, ks[g] as tf.Tensor5D, this.strides, this.padding)),
          4,
        );
      }
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      groups: this.groups,
      useBias: this.useBias,
    };
  }
}
tf.serialization.registerClass(GroupedConv3D);

/** Factory in tf.layers style: `groupedConv3d({ filters: 64, kernelSize: 3, groups: 8 })`. */
export function groupedConv3d(args: GroupedConv3DArgs): GroupedConv3D {
  return new GroupedConv3D(args);
}
