/**
 * actlab: a typed library for learning video human-action recognition with
 * TensorFlow.js. Each concern is a namespace: `import { backend, env } from 'actlab'`.
 */
export * as backend from './backend';
export * as env from './env';
export * as jupyter from './jupyter';
export * as notebook from './notebook';
export * as video from './video';
export { initBackend } from './backend';
