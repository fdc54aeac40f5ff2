/**
 * actlab: a typed library for learning video human-action recognition with
 * TensorFlow.js. Each concern is a namespace: `import { backend, env } from 'actlab'`.
 */
export * as backend from './backend';
export * as data from './data';
export * as eda from './eda';
export * as env from './env';
export * as jupyter from './jupyter';
export * as kernels from './kernels';
export * as layers from './layers';
export * as notebook from './notebook';
export * as plot from './plot';
export * as synth from './synth';
export * as video from './video';
export { initBackend } from './backend';
