import type { Command } from '../command';
import { backendCommand } from './backend';
import { edaCommand } from './eda';
import { envCommand } from './env';
import { extractCommand } from './extract';
import { kernelCommand } from './kernel';
import { synthCommand } from './synth';
import { tutorialCommand } from './tutorial';

/** Every `actlab` subcommand, in the order `actlab help` lists them. */
export const COMMANDS: readonly Command[] = [
  envCommand,
  backendCommand,
  kernelCommand,
  tutorialCommand,
  synthCommand,
  extractCommand,
  edaCommand,
];
