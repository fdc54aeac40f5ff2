/**
 * Still photos of people performing the people set's actions in scenes: the
 * tutorial's Stanford 40. The frame model pretrains on them before it is
 * fine-tuned on video frames, the route the capstone's seed 001 took from
 * still images. Drawn by the video renderer at one instant, by actors who
 * appear in no video, and tied to scenes as the videos are (each action
 * mostly in its own scene, as photos of swimming show pools).
 *
 * ```
 * DIR/<action>/<actor>_<action>_<n>.png   RGB stills
 * DIR/manifest.json                        label, actor (group), split and scene of every still
 * ```
 */
import * as path from 'node:path';

import { splitByGroup } from '../data/split';
import type { Split, StandardSplit, VideoItem } from '../data/types';
import { definedOnly } from '../util/defined-only';
import { packageRoot } from '../util/package-root';
import { createRng } from '../util/random';
import { requireWholeNumber } from '../util/validate';
import { PEOPLE_RENDERER_VERSION, type SynthManifestItem } from './manifest';
import { PEOPLE_ACTIONS, type Person, randomPerson, randomPersonClipParams, renderPersonClip } from './people';
import { drawnScene } from './people-set';
import { randomSceneSpec } from './scenes';
import { type PlannedStill, type StillManifest, type StillPlan, writeStillSet } from './still-set';

/** Version of how stills are posed and placed; the figure renderer's own version is recorded beside it. */
export const PEOPLE_STILLS_VERSION = 1;

export interface PeopleStillSettings {
  readonly set: 'people';
  /** Actions, from `PEOPLE_ACTIONS`. */
  readonly classes: readonly string[];
  /** Actors (groups, split whole); none of them is in the video set. */
  readonly actors: number;
  /** Stills of each action per actor, each at another instant, place and scene. */
  readonly perActor: number;
  /** Image side in pixels (square RGB). */
  readonly size: number;
  /** Share of stills taken in their action's own scene. */
  readonly sceneCorrelation: number;
  /** Shares of actors per split (normalised). */
  readonly fractions: Readonly<Record<StandardSplit, number>>;
  readonly seed: number;
}

/**
 * 8 actions × 48 actors × 4 stills = 1536 images of 64×64 (the people
 * clips' frame size), actors split 4:1:1, 95% in their action's own scene.
 */
export const PEOPLE_STILLS: PeopleStillSettings = {
  set: 'people',
  classes: PEOPLE_ACTIONS,
  actors: 48,
  perActor: 4,
  size: 64,
  sceneCorrelation: 0.95,
  fractions: { train: 4, val: 1, test: 1 },
  seed: 0,
};

export interface PeopleStillOptions extends Partial<PeopleStillSettings> {
  /** Output folder; created if missing. */
  readonly out: string;
  /** Called after each image is written. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Renders the people stills into `out` (a complete set with the same settings
 * is kept as it is; see `generateStillSet` for what is replaced). About two
 * seconds for the default set on 2 cores.
 */
export async function generatePeopleStills(options: PeopleStillOptions): Promise<StillManifest<PeopleStillSettings>> {
  const { out, onProgress, ...chosen } = options;
  const settings: PeopleStillSettings = { ...PEOPLE_STILLS, ...definedOnly(chosen) };
  validate(settings);
  return writeStillSet(out, planPeopleStills(settings), onProgress);
}

function planPeopleStills(settings: PeopleStillSettings): StillPlan<PeopleStillSettings> {
  // Another stream than the video set's: other people.
  const rng = createRng(`${settings.seed}:people-stills`);
  const actors = Array.from({ length: settings.actors }, (_, i) =>
    randomPerson(`s${String(i + 1).padStart(2, '0')}`, rng.fork(`actor${i}`)),
  );
  const drawn: Array<{ item: SynthManifestItem; person: Person; scene: string }> = [];
  for (const person of actors) {
    const sceneRng = rng.fork(`scenes:${person.id}`);
    for (const action of settings.classes) {
      for (let n = 1; n <= settings.perActor; n++) {
        const scene = drawnScene(action, settings.sceneCorrelation, sceneRng);
        const item = {
          path: `${action}/${person.id}_${action}_${n}.png`,
          label: action,
          group: person.id,
          split: 'train' as Split,
          scene,
        };
        drawn.push({ item, person, scene });
      }
    }
  }
  const split = splitByGroup(
    drawn.map((d): VideoItem => ({ ...d.item, split: undefined, kind: 'image' })),
    { fractions: settings.fractions, seed: settings.seed },
  );
  const render = { width: settings.size, height: settings.size, frames: 1 };
  const stills = drawn.map(({ item, person, scene }, i): PlannedStill => ({
    item: { ...item, split: split[i]?.split as Split },
    render: () => {
      const still = createRng(`${settings.seed}:${item.path}`);
      const params = randomPersonClipParams(item.label, person, render, still.fork('params'));
      const spec = randomSceneSpec(scene, still.fork('scene'));
      return renderPersonClip(item.label, person, params, spec, render, still.fork('frames')).frames[0] as Uint8Array;
    },
  }));
  // A new figure renderer draws other pixels too: both versions decide whether a set on disk is current.
  const renderer = `people-${PEOPLE_RENDERER_VERSION}.${PEOPLE_STILLS_VERSION}`;
  return { renderer, options: settings, size: settings.size, classes: settings.classes, stills };
}

function validate(s: PeopleStillSettings): void {
  for (const label of s.classes) {
    if (!PEOPLE_ACTIONS.includes(label)) {
      throw new Error(`people still class "${label}" is not an action; choose from ${PEOPLE_ACTIONS.join(', ')}`);
    }
  }
  if (new Set(s.classes).size !== s.classes.length)
    throw new Error(`people still classes repeat: ${s.classes.join(',')}`);
  requireWholeNumber('people stills actors', s.actors, 3, { hint: 'train, val and test each need an actor' });
  requireWholeNumber('people stills perActor', s.perActor);
  requireWholeNumber('people stills size', s.size, 16);
  if (!(s.sceneCorrelation >= 0 && s.sceneCorrelation <= 1)) {
    throw new Error(`people stills sceneCorrelation must be a share from 0 to 1, got ${s.sceneCorrelation}`);
  }
}

/** `<package>/out/data/stills-people` (generated, not committed). */
export function peopleStillsDir(): string {
  return path.join(packageRoot(), 'out', 'data', 'stills-people');
}

/** Returns the folder of the default people stills, rendering them first when missing or stale. */
export async function ensurePeopleStills(dir: string = peopleStillsDir()): Promise<string> {
  await generatePeopleStills({ out: dir });
  return path.resolve(dir);
}
