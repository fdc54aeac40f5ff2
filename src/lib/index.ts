/**
 * actlab: a typed library for learning video human-action recognition with
 * TensorFlow.js. Each concern is a namespace: `import { backend, env } from 'actlab'`.
 *
 * Each namespace is the folder's `public.ts`: what notebooks and users call.
 * actlab's own machinery (kernel packs, the notebook runner, the whole of every
 * folder) is `actlab/internal`, with no promise that it stays as it is.
 *
 * @packageDocumentation
 */
export * as backend from './backend/public';
export * as course from './course/public';
export * as data from './data/public';
export * as doctor from './doctor/public';
export * as download from './download/public';
export * as eda from './eda/public';
export * as env from './env/public';
export * as exercise from './exercise/public';
export * as evaluation from './eval/public';
export * as layers from './layers/public';
export * as models from './models/public';
export * as notebook from './notebook/public';
export * as pipeline from './pipeline/public';
export * as plot from './plot/public';
export * as recipes from './recipes/public';
export * as scaleout from './scaleout/public';
export * as synth from './synth/public';
export * as train from './train/public';
export * as upload from './upload/public';
export * as video from './video/public';
export { initBackend } from './backend/public';
