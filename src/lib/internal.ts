/**
 * actlab/internal: the machinery behind the public namespaces, for the CLI,
 * the tests and anyone who needs it, with no promise that it stays as it is:
 * the kernel packs and their registry (`kernels`), the notebook runner,
 * kernel spec and Colab tooling (`jupyter`), and every folder whole.
 *
 * @packageDocumentation
 */
export * as jupyter from './jupyter';
export * as kernels from './kernels';
export * as backend from './backend';
export * as course from './course';
export * as data from './data';
export * as doctor from './doctor';
export * as download from './download';
export * as eda from './eda';
export * as env from './env';
export * as exercise from './exercise';
export * as evaluation from './eval';
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
