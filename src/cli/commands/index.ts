import type { Command } from '../command';
import { backendCommand } from './backend';
import { envCommand } from './env';
import { kernelCommand } from './kernel';
import { tutorialCommand } from './tutorial';

/** Every `actlab` subcommand, in the order `actlab help` lists them. */
export const COMMANDS: readonly Command[] = [envCommand, backendCommand, kernelCommand, tutorialCommand];
