/**
 * actlab: a typed library for learning video human-action recognition with
 * TensorFlow.js. Each concern is a namespace: `import { backend, env } from 'actlab'`.
 */
export * as backend from './backend';
export * as data from './data';
export * as doctor from './doctor';
export * as download from './download';
export * as eda from './eda';
export * as env from './env';
export * as evaluation from './eval';
export * as jupyter from './jupyter';
export * as kernels from './kernels';
export * as layers from './layers';
export * as models from './models';
export * as notebook from './notebook';
export * as pipeline from './pipeline';
export * as plot from './plot';
export * as recipes from './recipes';
export * as scaleout from './scaleout';
export * as synth from './synth';
export * as train from './train';
export * as upload from './upload';
export * as video from './video';
export { initBackend } from './backend';
