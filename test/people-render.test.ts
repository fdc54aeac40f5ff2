import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  ACTION_SCENES,
  PEOPLE_ACTIONS,
  PEOPLE_HELD_OUT_ACTIONS,
  type Person,
  personCapsules,
  type PersonClipParams,
  randomPerson,
  randomPersonClipParams,
  renderPersonBackground,
  renderPersonClip,
} from '../src/lib/synth/people';
import { randomSceneSpec, renderScene, SCENE_NAMES, type SceneSpec } from '../src/lib/synth/scenes';
import { createRng } from '../src/lib/util/random';

const SMALL = { width: 64, height: 64, frames: 16 };

interface Setup {
  readonly person: Person;
  readonly scene: SceneSpec;
  readonly params: PersonClipParams;
}

function setup(action: string, seed: string, options = SMALL): Setup {
  const rng = createRng(seed);
  const person = randomPerson('p', rng.fork('person'));
  return {
    person,
    // A held-out action owns no scene: the park, for all of them.
    scene: randomSceneSpec(ACTION_SCENES[action] ?? 'park', rng.fork('scene')),
    params: randomPersonClipParams(action, person, options, rng.fork('params')),
  };
}

function render(action: string, seed: string, options = SMALL, change: Partial<PersonClipParams> = {}) {
  const s = setup(action, seed, options);
  const params = { ...s.params, ...change };
  return {
    ...s,
    params,
    clip: renderPersonClip(action, s.person, params, s.scene, options, createRng(`${seed}:render`)),
  };
}

/** The bundled set's actions and the ones held out of it for chapter 11: the renderer draws them all. */
const ALL_ACTIONS = [...PEOPLE_ACTIONS, ...PEOPLE_HELD_OUT_ACTIONS];

function sum(values: Uint8Array): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

test('eight actions, sorted, flip-safe names, each with its own scene', () => {
  assert.equal(PEOPLE_ACTIONS.length, 8);
  assert.deepEqual([...PEOPLE_ACTIONS], [...PEOPLE_ACTIONS].sort());
  for (const action of PEOPLE_ACTIONS) assert.doesNotMatch(action, /left|right|cw/);
  assert.deepEqual(Object.keys(ACTION_SCENES).sort(), [...PEOPLE_ACTIONS]);
  assert.deepEqual(Object.values(ACTION_SCENES).sort(), [...SCENE_NAMES].sort());
});

test('unknown names are refused with the list of valid ones', () => {
  const rng = createRng(1);
  assert.throws(() => randomSceneSpec('moon', rng), {
    message: 'unknown scene "moon": use one of beach, gym, living_room, office, park, pool, snow, street',
  });
  const person = randomPerson('p', rng);
  assert.throws(() => randomPersonClipParams('swim', person, SMALL, rng), {
    message:
      'unknown action "swim": use one of bend, clap, jack, jump, run, walk, wave_one, wave_two (held out: box, kick, skip, squat)',
  });
  assert.throws(() => randomPersonClipParams('walk', person, { ...SMALL, width: 8 }, rng), {
    message: 'width must be a whole number ≥ 16, got 8',
  });
});

test('the same seed gives identical bytes; another seed differs', () => {
  for (const action of ['walk', 'clap']) {
    const a = render(action, 'det');
    const b = render(action, 'det');
    const c = render(action, 'other');
    assert.deepEqual(a.clip.frames, b.clip.frames);
    assert.deepEqual(a.clip.masks, b.clip.masks);
    assert.notDeepEqual(a.clip.frames, c.clip.frames);
    assert.notDeepEqual(a.clip.masks, c.clip.masks);
    // The render rng alone (camera shake, noise) changes the bytes too.
    const d = renderPersonClip(action, a.person, a.params, a.scene, SMALL, createRng('another render'));
    assert.notDeepEqual(a.clip.frames, d.frames);
  }
});

test('the mask covers the figure and nothing far from it', () => {
  for (const action of ALL_ACTIONS) {
    const { person, params, clip } = render(action, `cover:${action}`);
    const capsules = personCapsules(action, person, params, SMALL, createRng(`cover:${action}:render`));
    clip.masks.forEach((mask, f) => {
      const parts = (capsules[f] ?? []).flat();
      for (let y = 0; y < SMALL.height; y++) {
        for (let x = 0; x < SMALL.width; x++) {
          // Distance from the pixel centre to the nearest capsule surface.
          let nearest = Infinity;
          for (const c of parts) {
            const dx = c.bx - c.ax;
            const dy = c.by - c.ay;
            const t = Math.max(
              0,
              Math.min(1, ((x + 0.5 - c.ax) * dx + (y + 0.5 - c.ay) * dy) / (dx * dx + dy * dy || 1)),
            );
            nearest = Math.min(nearest, Math.hypot(x + 0.5 - c.ax - t * dx, y + 0.5 - c.ay - t * dy) - c.r);
          }
          const m = mask[y * SMALL.width + x] as number;
          if (nearest <= 0) assert.equal(m, 255, `${action} frame ${f}: (${x},${y}) inside the body has mask ${m}`);
          if (nearest >= 2)
            assert.equal(m, 0, `${action} frame ${f}: (${x},${y}) ${nearest.toFixed(1)} px away has mask ${m}`);
        }
      }
    });
  }
});

test('the person changes the pixels exactly where the mask is set', () => {
  for (const action of ALL_ACTIONS) {
    const { person, scene, params, clip } = render(action, `plate:${action}`, SMALL, { noise: 0 });
    const plates = renderPersonBackground(action, person, params, scene, SMALL, createRng(`plate:${action}:render`));
    let covered = 0;
    let changed = 0;
    clip.frames.forEach((frame, f) => {
      const plate = plates[f] as Uint8Array;
      const mask = clip.masks[f] as Uint8Array;
      for (let p = 0; p < mask.length; p++) {
        let diff = 0;
        for (let c = 0; c < 3; c++)
          diff = Math.max(diff, Math.abs((frame[p * 3 + c] as number) - (plate[p * 3 + c] as number)));
        const m = mask[p] as number;
        // A coverage under half a level can still nudge a rounding by one.
        if (m === 0) assert.ok(diff <= 1, `${action} frame ${f} pixel ${p}: changed by ${diff} outside the mask`);
        if (m >= 64) {
          covered++;
          if (diff > 0) changed++;
        }
      }
    });
    assert.ok(covered > 16 * 150, `${action}: only ${covered} covered pixels`);
    assert.ok(
      changed / covered > 0.97,
      `${action}: only ${changed} of ${covered} covered pixels differ from the scene`,
    );
  }
});

test('the whole body stays inside the frame at every frame, for every action and size', () => {
  const sizes = [SMALL, { width: 112, height: 112, frames: 16 }, { width: 48, height: 32, frames: 12 }];
  for (const options of sizes) {
    for (const action of ALL_ACTIONS) {
      for (let k = 0; k < 6; k++) {
        const { clip } = render(action, `inside:${action}:${k}`, options);
        const { width, height } = options;
        const sums = clip.masks.map(sum);
        clip.masks.forEach((mask, f) => {
          for (let x = 0; x < width; x++) {
            assert.equal(mask[x], 0, `${action} ${width}x${height} #${k} frame ${f}: mask on the top row`);
            assert.equal(mask[(height - 1) * width + x], 0, `${action} #${k} frame ${f}: mask on the bottom row`);
          }
          for (let y = 0; y < height; y++) {
            assert.equal(mask[y * width], 0, `${action} #${k} frame ${f}: mask on the left column`);
            assert.equal(mask[y * width + width - 1], 0, `${action} #${k} frame ${f}: mask on the right column`);
          }
        });
        // A figure leaving the frame would lose area; pose changes alone stay within these bounds.
        const ratio = Math.min(...sums) / Math.max(...sums);
        assert.ok(ratio > 0.45, `${action} ${width}x${height} #${k}: mask area varies ${ratio.toFixed(2)}x`);
        const figure = sums.reduce((a, b) => a + b, 0) / sums.length / 255 / (width * height);
        assert.ok(figure > 0.04 && figure < 0.3, `${action} ${width}x${height} #${k}: figure covers ${figure}`);
      }
    }
  }
});

test('figures are 0.65-0.85 of the frame tall unless a jump or raised arms need room', () => {
  for (const action of PEOPLE_ACTIONS) {
    for (let k = 0; k < 10; k++) {
      const { params } = setup(action, `size:${action}:${k}`);
      assert.ok(params.size <= 0.85, `${action}: size ${params.size}`);
      assert.ok(params.size >= (action === 'jump' ? 0.5 : 0.6), `${action}: size ${params.size}`);
    }
  }
});

test('every action moves: its mask changes over the clip', () => {
  for (const action of ALL_ACTIONS) {
    const { clip } = render(action, `motion:${action}`, SMALL, { jitter: 0 });
    let changed = 0;
    for (let f = 1; f < clip.masks.length; f++) {
      const a = clip.masks[f - 1] as Uint8Array;
      const b = clip.masks[f] as Uint8Array;
      let diff = 0;
      for (let p = 0; p < a.length; p++) diff += Math.abs((a[p] as number) - (b[p] as number));
      changed += diff / 255;
    }
    const perFrame = changed / (clip.masks.length - 1);
    assert.ok(perFrame > 15, `${action}: only ${perFrame.toFixed(1)} mask pixels change per frame`);
  }
});

test('walkers and runners travel the way they face', () => {
  for (const action of ['walk', 'run']) {
    for (let k = 0; k < 4; k++) {
      const { params, clip } = render(action, `travel:${action}:${k}`);
      const centre = (mask: Uint8Array): number => {
        let total = 0;
        let moment = 0;
        mask.forEach((m, p) => {
          total += m;
          moment += m * (p % SMALL.width);
        });
        return moment / total;
      };
      const moved = centre(clip.masks[clip.masks.length - 1] as Uint8Array) - centre(clip.masks[0] as Uint8Array);
      assert.ok(moved * params.facing > 4, `${action} #${k}: moved ${moved.toFixed(1)} px facing ${params.facing}`);
      assert.ok(params.pan >= 0 && params.pan <= params.travel, `${action}: pan ${params.pan} of ${params.travel}`);
    }
  }
});

test('facing left is the mirror image of facing right', () => {
  for (const action of PEOPLE_ACTIONS) {
    const s = setup(action, `mirror:${action}`);
    const base = { ...s.params, jitter: 0, noise: 0, pan: 0, travel: 0 };
    const right = renderPersonClip(action, s.person, { ...base, facing: 1 }, s.scene, SMALL, createRng(1)).masks;
    const left = renderPersonClip(
      action,
      s.person,
      { ...base, facing: -1, x: 1 - base.x },
      s.scene,
      SMALL,
      createRng(1),
    ).masks;
    right.forEach((mask, f) => {
      const other = left[f] as Uint8Array;
      for (let y = 0; y < SMALL.height; y++) {
        for (let x = 0; x < SMALL.width; x++) {
          const a = mask[y * SMALL.width + x] as number;
          const b = other[y * SMALL.width + (SMALL.width - 1 - x)] as number;
          assert.ok(Math.abs(a - b) <= 1, `${action} frame ${f} (${x},${y}): ${a} vs mirrored ${b}`);
        }
      }
    });
  }
});

/** Mean RGB of the top and the bottom half: the sky/wall and the floor/ground. */
function halves(image: Uint8Array, width: number, height: number): number[] {
  const out = [0, 0, 0, 0, 0, 0];
  for (let p = 0; p < width * height; p++) {
    const half = p < (width * height) / 2 ? 0 : 3;
    for (let c = 0; c < 3; c++) out[half + c] = (out[half + c] as number) + (image[p * 3 + c] as number);
  }
  return out.map((v) => v / ((width * height) / 2));
}

test('every scene looks different from every other, and no two draws are identical', () => {
  const means = new Map<string, number[]>();
  for (const scene of SCENE_NAMES) {
    const draws = [0, 1, 2, 3].map((k) =>
      renderScene(randomSceneSpec(scene, createRng(`scene:${scene}:${k}`)), 64, 64),
    );
    for (let k = 1; k < draws.length; k++) assert.notDeepEqual(draws[k], draws[0], `${scene}: two draws are identical`);
    const perDraw = draws.map((d) => halves(d, 64, 64));
    means.set(
      scene,
      [0, 1, 2, 3, 4, 5].map((i) => perDraw.reduce((a, d) => a + (d[i] as number), 0) / perDraw.length),
    );
  }
  for (const a of SCENE_NAMES) {
    for (const b of SCENE_NAMES) {
      if (a >= b) continue;
      const ma = means.get(a) as number[];
      const mb = means.get(b) as number[];
      const distance = Math.hypot(...ma.map((v, i) => v - (mb[i] as number)));
      assert.ok(distance > 30, `${a} and ${b} differ by only ${distance.toFixed(1)} in mean colour`);
    }
  }
});

test('a scene renders at any size and is the same picture at each', () => {
  const spec = randomSceneSpec('street', createRng(5));
  const small = renderScene(spec, 32, 32);
  const large = renderScene(spec, 128, 128);
  assert.equal(small.length, 32 * 32 * 3);
  // Downsampling the large render 4x4 lands close to the small one.
  let error = 0;
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      for (let c = 0; c < 3; c++) {
        let mean = 0;
        for (let dy = 0; dy < 4; dy++) {
          for (let dx = 0; dx < 4; dx++) mean += large[((y * 4 + dy) * 128 + x * 4 + dx) * 3 + c] as number;
        }
        error += Math.abs(mean / 16 - (small[(y * 32 + x) * 3 + c] as number));
      }
    }
  }
  assert.ok(error / (32 * 32 * 3) < 6, `mean difference ${(error / (32 * 32 * 3)).toFixed(1)}`);
});

test('speed: 100 clips of 16 frames at 64x64 in under 10 s', () => {
  const start = Date.now();
  for (let k = 0; k < 100; k++) {
    const action = PEOPLE_ACTIONS[k % PEOPLE_ACTIONS.length] as string;
    render(action, `speed:${k}`);
  }
  const seconds = (Date.now() - start) / 1000;
  assert.ok(seconds < 10, `100 clips took ${seconds.toFixed(1)} s`);
});
