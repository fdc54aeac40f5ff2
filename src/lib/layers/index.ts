/**
 * Custom tf.layers layers for video models (each registered for model
 * save/load): grouped 3-D convolution, batch norm for 5-D input, and 3-D global
 * average pooling.
 */
export * from './public';
