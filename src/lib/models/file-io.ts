/**
 * A tfjs IOHandler for local folders: `model.save(fileIO('runs/a'))` writes
 * `model.json` + `weights.bin`; `tf.loadLayersModel(fileIO('runs/a'))` reads
 * them back. Pure tfjs only knows browser storage and http; tfjs-node's
 * `file://` handler is not available on the wasm backend.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { writeFileAtomic } from '../util/atomic-write';

/** `dir` or `dir/model.json` → the model.json path. */
function modelJsonPath(path: string): string {
  return path.endsWith('.json') ? path : join(path, 'model.json');
}

/** One ArrayBuffer from tfjs's WeightData (one buffer or a list of them). */
export function weightBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const buffers = Array.isArray(data) ? data : [data];
  return Buffer.concat(buffers.map((b) => new Uint8Array(b)));
}

/** A fresh ArrayBuffer holding exactly `bytes` (Node Buffers share a larger pool). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** An IOHandler with both halves present. */
export type FileIOHandler = tf.io.IOHandler & Required<Pick<tf.io.IOHandler, 'save' | 'load'>>;

/** IOHandler that saves to and loads from `path` (a folder, or a `.json` file path). */
export function fileIO(path: string): FileIOHandler {
  const jsonPath = modelJsonPath(path);
  const weightsName = `${basename(jsonPath, '.json')}.weights.bin`.replace(/^model\.weights/, 'weights');
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error('fileIO: binary model topologies (graph models) are not supported; save a LayersModel');
      }
      const weights = weightBytes(artifacts.weightData);
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
        weightsManifest: [{ paths: [weightsName], weights: artifacts.weightSpecs ?? [] }],
      };
      // Weights first: a model.json on disk always has its weights next to it.
      writeFileAtomic(join(dirname(jsonPath), weightsName), weights);
      writeFileAtomic(jsonPath, JSON.stringify(json));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology ?? {}).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: weights.byteLength,
        },
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      let text: string;
      try {
        text = readFileSync(jsonPath, 'utf8');
      } catch (error) {
        throw new Error(
          `fileIO: cannot read ${jsonPath} (${(error as Error).message}); pass the folder a model was saved to with model.save(fileIO(dir))`,
          { cause: error },
        );
      }
      const json = JSON.parse(text) as tf.io.ModelJSON;
      const specs: tf.io.WeightsManifestEntry[] = [];
      const parts: Uint8Array[] = [];
      for (const group of json.weightsManifest ?? []) {
        specs.push(...group.weights);
        for (const file of group.paths) parts.push(readFileSync(join(dirname(jsonPath), file)));
      }
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        trainingConfig: json.trainingConfig,
        userDefinedMetadata: json.userDefinedMetadata,
        weightSpecs: specs,
        weightData: toArrayBuffer(Buffer.concat(parts)),
      };
    },
  };
}
