import type { Command } from '../command';
import { backendCommand } from './backend';
import { colabCommand } from './colab';
import { courseCommand } from './course';
import { doctorCommand } from './doctor';
import { edaCommand } from './eda';
import { envCommand } from './env';
import { evalCommand } from './eval';
import { runsCommand } from './runs';
import { extractCommand } from './extract';
import { gpuCommand } from './gpu';
import { kernelCommand } from './kernel';
import { synthCommand } from './synth';
import { trainCommand } from './train';
import { tutorialCommand } from './tutorial';
import { downloadCommand } from './download';
import { fetchDatasetCommand } from './fetch-dataset';
import { mergeCommand } from './merge';
import { uploadCommand } from './upload';

/** Every `actlab` subcommand, in the order `actlab help` lists them. */
export const COMMANDS: readonly Command[] = [
  envCommand,
  backendCommand,
  kernelCommand,
  gpuCommand,
  colabCommand,
  tutorialCommand,
  synthCommand,
  extractCommand,
  edaCommand,
  trainCommand,
  evalCommand,
  runsCommand,
  doctorCommand,
  uploadCommand,
  downloadCommand,
  mergeCommand,
  fetchDatasetCommand,
  courseCommand,
];
