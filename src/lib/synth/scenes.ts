/**
 * Eight procedural backgrounds for the people renderer, each recognisable
 * from one frame. A scene is plain data (a list of shapes), drawn by
 * `scene-shapes.ts` at any frame size.
 *
 * Scenes avoid thin vertical or diagonal objects (trunks, poles, cacti): at
 * 64 px they read as limbs. They use bands, blocks, blobs and textures.
 */
import type { Rng } from '../util/random';
import { clampByte } from './render';
import { paintPlate, type Plate, type PlateMargins, type RGB, type SceneShape } from './scene-shapes';

export type { RGB, SceneShape } from './scene-shapes';

export const SCENE_NAMES: readonly string[] = [
  'beach',
  'gym',
  'living_room',
  'office',
  'park',
  'pool',
  'snow',
  'street',
];

/** One background: what it shows and where the floor starts. Plain data, safe to store as JSON. */
export interface SceneSpec {
  readonly scene: string;
  /** Row where the floor or ground begins, as a fraction of the frame height; people stand below it. */
  readonly floorTop: number;
  /** Shapes painted in order; see `scene-shapes.ts` for their units. */
  readonly shapes: readonly SceneShape[];
}

/**
 * Objects are laid out over the frame and two frame widths either side of it,
 * so a camera that pans to follow a runner still sees the scene.
 */
const TILES = [-2, -1, 0, 1, 2];
/** Full-width shapes reach past every tile. */
const FAR_LEFT = -3;
const FAR_RIGHT = 4;

/** A random background of the named scene: colours, object positions and sizes vary per call. */
export function randomSceneSpec(scene: string, rng: Rng): SceneSpec {
  const build = BUILDERS[scene];
  if (!build) throw new Error(`unknown scene "${scene}": use one of ${SCENE_NAMES.join(', ')}`);
  const { floorTop, shapes } = build(rng);
  return { scene, floorTop, shapes };
}

/** The background alone, `[H,W,3]` uint8 RGB row-major, values 0..255. */
export function renderScene(spec: SceneSpec, width: number, height: number): Uint8Array {
  const plate = renderScenePlate(spec, width, height, { left: 0, right: 0, top: 0, bottom: 0 });
  const out = new Uint8Array(width * height * 3);
  for (let i = 0; i < out.length; i++) out[i] = clampByte(plate.data[i] as number);
  return out;
}

/** The background as a float plate larger than the frame by `margins`, for a moving camera. */
export function renderScenePlate(spec: SceneSpec, width: number, height: number, margins: PlateMargins): Plate {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`scene size must be whole pixels, got ${width}x${height}`);
  }
  return paintPlate(spec.shapes, width, height, margins);
}

interface Built {
  readonly floorTop: number;
  readonly shapes: SceneShape[];
}

const BUILDERS: Readonly<Record<string, (rng: Rng) => Built>> = {
  beach,
  gym,
  living_room: livingRoom,
  office,
  park,
  pool,
  snow,
  street,
};

/** `colour` with each channel and the overall brightness moved by up to `amount`. */
function vary(colour: RGB, amount: number, rng: Rng): RGB {
  const shift = rng.uniform(-amount, amount) / 2;
  return colour.map((c) => clampByte(c + shift + rng.uniform(-amount, amount) / 2)) as unknown as RGB;
}

/** `colour` times `factor`, clamped. */
function shade(colour: RGB, factor: number): RGB {
  return colour.map((c) => clampByte(c * factor)) as unknown as RGB;
}

function seed(rng: Rng): number {
  return rng.int(0, 2 ** 31 - 1);
}

function band(y0: number, y1: number, top: RGB, bottom: RGB = top): SceneShape {
  return { kind: 'band', y0, y1, top, bottom };
}

function wide(y0: number, y1: number, colour: RGB, alpha = 1): SceneShape {
  return { kind: 'rect', x0: FAR_LEFT, x1: FAR_RIGHT, y0, y1, colour, alpha };
}

function gym(rng: Rng): Built {
  const floorTop = rng.uniform(0.56, 0.62);
  const wall = vary([222, 212, 184], 14, rng);
  const paint = vary(
    rng.pick<RGB>([
      [70, 105, 160],
      [150, 62, 56],
      [64, 128, 88],
    ]),
    16,
    rng,
  );
  const wood = vary([200, 138, 72], 16, rng);
  const bars = vary([186, 128, 66], 14, rng);
  const mat = vary(
    rng.pick<RGB>([
      [50, 90, 170],
      [40, 120, 170],
      [190, 60, 50],
    ]),
    16,
    rng,
  );
  const shapes: SceneShape[] = [band(0, floorTop, wall, shade(wall, 0.9)), wide(floorTop - 0.13, floorTop, paint)];
  // Wall bars as wide blocks of rungs, not as thin posts.
  for (const tile of TILES) {
    let x = tile + rng.uniform(0, 0.25);
    while (x < tile + 0.9) {
      const w = rng.uniform(0.16, 0.24);
      const y0 = rng.uniform(0.06, 0.14);
      // A shadow of the frame on the wall, then light rungs with the wall showing between them.
      shapes.push({ kind: 'rect', x0: x, x1: x + w, y0, y1: floorTop - 0.03, colour: [40, 30, 20], alpha: 0.28 });
      shapes.push({
        kind: 'stripes',
        x0: x,
        x1: x + w,
        y0: y0 + 0.01,
        y1: floorTop - 0.04,
        period: 0.055,
        duty: 0.4,
        colour: bars,
      });
      x += w + rng.uniform(0.12, 0.35);
    }
  }
  shapes.push(band(floorTop, 1, wood, shade(wood, 0.82)));
  shapes.push({
    kind: 'stripes',
    x0: FAR_LEFT,
    x1: FAR_RIGHT,
    y0: floorTop,
    y1: 1,
    period: 0.055,
    duty: 0.12,
    colour: shade(wood, 0.7),
    alpha: 0.6,
  });
  shapes.push({ kind: 'texture', y0: floorTop, y1: 1, amplitude: 6, cell: 0.03, seed: seed(rng) });
  const lineY = floorTop + rng.uniform(0.05, 0.1);
  shapes.push(wide(lineY, lineY + 0.014, vary([235, 235, 225], 10, rng)));
  for (const tile of TILES) {
    const x0 = tile + rng.uniform(-0.1, 0.6);
    const y0 = rng.uniform(floorTop + 0.12, 0.84);
    const x1 = x0 + rng.uniform(0.3, 0.45);
    const y1 = y0 + rng.uniform(0.07, 0.1);
    shapes.push({ kind: 'rect', x0, x1, y0: y0 + 0.015, y1: y1 + 0.015, colour: shade(mat, 0.6), round: 0.015 });
    shapes.push({ kind: 'rect', x0, x1, y0, y1, colour: mat, round: 0.015 });
  }
  return { floorTop, shapes };
}

function street(rng: Rng): Built {
  const floorTop = rng.uniform(0.56, 0.62);
  const kerb = rng.uniform(0.84, 0.87);
  const sky = vary([168, 200, 228], 16, rng);
  const pavement = vary([176, 172, 164], 12, rng);
  const road = vary([72, 72, 78], 10, rng);
  const facades: RGB[] = [
    [150, 76, 60],
    [186, 160, 122],
    [122, 122, 132],
    [204, 190, 168],
    [112, 82, 70],
  ];
  const shapes: SceneShape[] = [band(0, floorTop, shade(sky, 0.92), shade(sky, 1.08))];
  for (const tile of TILES) {
    let x = tile;
    while (x < tile + 1) {
      const w = rng.uniform(0.22, 0.4);
      const top = rng.uniform(0.04, 0.28);
      const colour = vary(rng.pick(facades), 18, rng);
      shapes.push({ kind: 'rect', x0: x, x1: x + w, y0: top, y1: floorTop, colour });
      shapes.push({
        kind: 'windows',
        x0: x + 0.03,
        x1: x + w - 0.03,
        y0: top + 0.04,
        y1: floorTop - 0.07,
        cellW: rng.uniform(0.07, 0.09),
        cellH: rng.uniform(0.08, 0.1),
        inset: 0.4,
        colour: vary([52, 62, 78], 10, rng),
        lit: vary([236, 214, 140], 10, rng),
        litShare: rng.uniform(0.1, 0.4),
        seed: seed(rng),
      });
      x += w;
    }
  }
  shapes.push(band(floorTop, kerb, pavement, shade(pavement, 0.92)));
  shapes.push({
    kind: 'checker',
    x0: FAR_LEFT,
    x1: FAR_RIGHT,
    y0: floorTop,
    y1: kerb,
    cellW: 0.12,
    cellH: 0.07,
    colour: shade(pavement, 0.85),
    alpha: 0.5,
  });
  shapes.push(wide(kerb, kerb + 0.025, shade(pavement, 1.18)));
  shapes.push(band(kerb + 0.025, 1, road, shade(road, 0.9)));
  shapes.push({ kind: 'texture', y0: kerb, y1: 1, amplitude: 6, cell: 0.02, seed: seed(rng) });
  const dashY = kerb + rng.uniform(0.07, 0.09);
  shapes.push({
    kind: 'checker',
    x0: FAR_LEFT,
    x1: FAR_RIGHT,
    y0: dashY,
    y1: dashY + 0.018,
    cellW: rng.uniform(0.1, 0.14),
    cellH: 1,
    colour: vary([232, 232, 220], 8, rng),
  });
  return { floorTop, shapes };
}

function park(rng: Rng): Built {
  const floorTop = rng.uniform(0.42, 0.5);
  const sky = vary([140, 190, 236], 16, rng);
  const trees = vary([48, 98, 50], 12, rng);
  const grass = vary([112, 172, 72], 16, rng);
  const bush = vary([62, 128, 56], 12, rng);
  const shapes: SceneShape[] = [band(0, floorTop, sky, vary([206, 228, 244], 8, rng))];
  // The tree line is a row of overlapping crowns: blobs, no trunks.
  for (const tile of TILES) {
    for (let k = 0; k < 8; k++) {
      shapes.push({
        kind: 'ellipse',
        cx: tile + rng.next(),
        cy: floorTop - rng.uniform(0.02, 0.08),
        rx: rng.uniform(0.07, 0.13),
        ry: rng.uniform(0.07, 0.13),
        colour: shade(trees, rng.uniform(0.85, 1.1)),
      });
    }
  }
  shapes.push(band(floorTop, 1, grass, shade(grass, 0.8)));
  shapes.push({ kind: 'texture', y0: floorTop, y1: 1, amplitude: 12, cell: 0.025, seed: seed(rng) });
  const pathY = rng.uniform(0.7, 0.8);
  shapes.push(wide(pathY, pathY + rng.uniform(0.06, 0.09), vary([206, 184, 140], 12, rng), 0.9));
  for (const tile of TILES) {
    for (let b = 0; b < 2; b++) {
      const cx = tile + rng.uniform(0.05, 0.95);
      const cy = floorTop + rng.uniform(0.03, 0.1);
      for (let k = 0; k < 3; k++) {
        shapes.push({
          kind: 'ellipse',
          cx: cx + (k - 1) * 0.06,
          cy: cy - (k === 1 ? 0.03 : 0),
          rx: rng.uniform(0.05, 0.07),
          ry: rng.uniform(0.04, 0.06),
          colour: shade(bush, rng.uniform(0.9, 1.15)),
        });
      }
    }
    for (let k = 0; k < 6; k++) {
      shapes.push({
        kind: 'ellipse',
        cx: tile + rng.next(),
        cy: rng.uniform(floorTop + 0.12, 0.98),
        rx: 0.012,
        ry: 0.012,
        colour: rng.pick<RGB>([
          [230, 60, 60],
          [245, 220, 70],
          [245, 245, 245],
        ]),
      });
    }
  }
  return { floorTop, shapes };
}

function beach(rng: Rng): Built {
  const seaTop = rng.uniform(0.32, 0.4);
  const floorTop = seaTop + rng.uniform(0.14, 0.18);
  const sea = vary([34, 104, 172], 16, rng);
  const sand = vary([228, 204, 152], 12, rng);
  const shapes: SceneShape[] = [
    band(0, seaTop, vary([116, 182, 236], 12, rng), vary([204, 230, 248], 8, rng)),
    {
      kind: 'ellipse',
      cx: rng.uniform(0.1, 0.9),
      cy: rng.uniform(0.08, 0.16),
      rx: 0.06,
      ry: 0.06,
      colour: [255, 238, 160],
    },
    band(seaTop, floorTop, sea, vary([64, 154, 190], 12, rng)),
    {
      kind: 'stripes',
      x0: FAR_LEFT,
      x1: FAR_RIGHT,
      y0: seaTop + 0.025,
      y1: floorTop,
      period: 0.045,
      duty: 0.2,
      colour: [176, 218, 232],
      alpha: 0.45,
    },
    wide(floorTop - 0.015, floorTop + 0.012, [246, 248, 246], 0.85),
    band(floorTop + 0.012, 1, sand, shade(sand, 0.9)),
    { kind: 'texture', y0: floorTop, y1: 1, amplitude: 9, cell: 0.015, seed: seed(rng) },
  ];
  for (const tile of TILES) {
    // A striped towel and a beach ball: flat or round, nothing limb-like.
    const x0 = tile + rng.uniform(0, 0.6);
    const y0 = rng.uniform(floorTop + 0.1, 0.82);
    const towel = vary(
      rng.pick<RGB>([
        [220, 60, 60],
        [60, 90, 200],
        [240, 160, 40],
      ]),
      14,
      rng,
    );
    shapes.push({ kind: 'rect', x0, x1: x0 + 0.3, y0, y1: y0 + 0.08, colour: towel, round: 0.01 });
    shapes.push({
      kind: 'stripes',
      x0,
      x1: x0 + 0.3,
      y0,
      y1: y0 + 0.08,
      period: 0.03,
      duty: 0.5,
      colour: [245, 245, 240],
    });
    const ball = { cx: tile + rng.uniform(0.05, 0.95), cy: rng.uniform(floorTop + 0.06, 0.95), r: 0.035 };
    shapes.push({ kind: 'ellipse', cx: ball.cx, cy: ball.cy, rx: ball.r, ry: ball.r, colour: [235, 60, 60] });
    shapes.push({
      kind: 'ellipse',
      cx: ball.cx,
      cy: ball.cy - 0.012,
      rx: ball.r * 0.7,
      ry: ball.r * 0.45,
      colour: [250, 250, 245],
    });
  }
  return { floorTop, shapes };
}

function livingRoom(rng: Rng): Built {
  const floorTop = rng.uniform(0.6, 0.65);
  const colours = livingRoomColours(rng);
  const shapes: SceneShape[] = livingRoomWalls(rng, floorTop, colours);
  for (const tile of TILES) shapes.push(...livingRoomTile(rng, tile, floorTop, colours));
  return { floorTop, shapes };
}

interface LivingRoomColours {
  readonly wall: RGB;
  readonly floor: RGB;
  readonly sofa: RGB;
  readonly rug: RGB;
}

function livingRoomColours(rng: Rng): LivingRoomColours {
  const wall = vary(
    rng.pick<RGB>([
      [206, 172, 140],
      [172, 192, 160],
      [204, 162, 170],
      [182, 172, 204],
    ]),
    14,
    rng,
  );
  const floor = vary([124, 82, 50], 14, rng);
  const sofa = vary(
    rng.pick<RGB>([
      [96, 62, 126],
      [60, 92, 144],
      [152, 62, 52],
      [82, 112, 72],
    ]),
    16,
    rng,
  );
  const rug = vary(
    rng.pick<RGB>([
      [170, 50, 50],
      [50, 80, 150],
      [200, 150, 60],
    ]),
    16,
    rng,
  );
  return { wall, floor, sofa, rug };
}

/** Dotted wallpaper, a skirting board, and a striped wooden floor. */
function livingRoomWalls(rng: Rng, floorTop: number, { wall, floor }: LivingRoomColours): SceneShape[] {
  return [
    band(0, floorTop, wall, shade(wall, 0.92)),
    {
      kind: 'dots',
      x0: FAR_LEFT,
      x1: FAR_RIGHT,
      y0: 0.03,
      y1: floorTop - 0.04,
      spacing: 0.075,
      radius: 0.013,
      colour: shade(wall, 0.82),
    },
    wide(floorTop - 0.035, floorTop, vary([236, 230, 218], 8, rng)),
    band(floorTop, 1, floor, shade(floor, 0.85)),
    {
      kind: 'stripes',
      x0: FAR_LEFT,
      x1: FAR_RIGHT,
      y0: floorTop,
      y1: 1,
      period: 0.06,
      duty: 0.1,
      colour: shade(floor, 0.7),
      alpha: 0.7,
    },
  ];
}

/** One tile of the living room: a rug, a picture above the sofa, the sofa, and a lamp on a side table. */
function livingRoomTile(rng: Rng, tile: number, floorTop: number, { sofa, rug }: LivingRoomColours): SceneShape[] {
  const x0 = tile + rng.uniform(0.02, 0.3);
  const w = rng.uniform(0.45, 0.6);
  const shapes: SceneShape[] = [
    {
      kind: 'ellipse',
      cx: x0 + w / 2,
      cy: floorTop + rng.uniform(0.14, 0.22),
      rx: rng.uniform(0.3, 0.4),
      ry: 0.07,
      colour: rug,
    },
  ];
  // A picture above the sofa, the sofa (back, seat, arms, cushions) and a lamp on a side table.
  const px = x0 + w / 2 + rng.uniform(-0.12, 0.05);
  shapes.push({ kind: 'rect', x0: px, x1: px + 0.16, y0: 0.1, y1: 0.26, colour: [70, 52, 40] });
  shapes.push({
    kind: 'rect',
    x0: px + 0.015,
    x1: px + 0.145,
    y0: 0.115,
    y1: 0.245,
    colour: vary([120, 160, 190], 30, rng),
  });
  shapes.push(...sofaShapes(rng, x0, w, floorTop, sofa));
  shapes.push(...sideTableLamp(rng, x0 + w, floorTop));
  return shapes;
}

/** A sofa `w` wide from `x0`: back, two cushions, seat and arms. */
function sofaShapes(rng: Rng, x0: number, w: number, floorTop: number, sofa: RGB): SceneShape[] {
  const back = floorTop - rng.uniform(0.27, 0.32);
  const shapes: SceneShape[] = [
    {
      kind: 'rect',
      x0,
      x1: x0 + w,
      y0: back,
      y1: floorTop - 0.06,
      colour: shade(sofa, 0.85),
      round: 0.04,
    },
  ];
  for (let k = 0; k < 2; k++) {
    const cx0 = x0 + 0.05 + (k * (w - 0.1)) / 2;
    shapes.push({
      kind: 'rect',
      x0: cx0 + 0.01,
      x1: cx0 + (w - 0.1) / 2 - 0.01,
      y0: back + 0.04,
      y1: floorTop - 0.1,
      colour: shade(sofa, 1.12),
      round: 0.03,
    });
  }
  shapes.push({
    kind: 'rect',
    x0: x0 - 0.03,
    x1: x0 + w + 0.03,
    y0: floorTop - 0.13,
    y1: floorTop + 0.02,
    colour: sofa,
    round: 0.03,
  });
  for (const ax of [x0 - 0.05, x0 + w - 0.03]) {
    shapes.push({
      kind: 'rect',
      x0: ax,
      x1: ax + 0.08,
      y0: floorTop - 0.2,
      y1: floorTop + 0.025,
      colour: shade(sofa, 0.92),
      round: 0.035,
    });
  }
  return shapes;
}

/** A side table a little right of `right`, with a lit lamp on it. */
function sideTableLamp(rng: Rng, right: number, floorTop: number): SceneShape[] {
  const tx = right + rng.uniform(0.08, 0.15);
  return [
    {
      kind: 'rect',
      x0: tx,
      x1: tx + 0.14,
      y0: floorTop - 0.12,
      y1: floorTop + 0.01,
      colour: [92, 62, 40],
    },
    {
      kind: 'ellipse',
      cx: tx + 0.07,
      cy: floorTop - 0.24,
      rx: 0.16,
      ry: 0.14,
      colour: [255, 236, 170],
      alpha: 0.25,
    },
    { kind: 'ellipse', cx: tx + 0.07, cy: floorTop - 0.15, rx: 0.04, ry: 0.03, colour: [200, 190, 170] },
    {
      kind: 'rect',
      x0: tx + 0.02,
      x1: tx + 0.12,
      y0: floorTop - 0.28,
      y1: floorTop - 0.17,
      colour: vary([250, 220, 150], 8, rng),
      round: 0.025,
    },
  ];
}

function office(rng: Rng): Built {
  const floorTop = rng.uniform(0.58, 0.64);
  const wall = vary([226, 228, 224], 10, rng);
  const carpet = vary([92, 104, 126], 14, rng);
  const desk = vary(
    rng.pick<RGB>([
      [164, 120, 76],
      [150, 150, 148],
      [210, 200, 180],
    ]),
    12,
    rng,
  );
  const shapes: SceneShape[] = [
    band(0, floorTop, wall, shade(wall, 0.93)),
    band(floorTop, 1, carpet, shade(carpet, 0.9)),
    {
      kind: 'checker',
      x0: FAR_LEFT,
      x1: FAR_RIGHT,
      y0: floorTop,
      y1: 1,
      cellW: 0.16,
      cellH: 0.1,
      colour: shade(carpet, 0.88),
      alpha: 0.6,
    },
    { kind: 'texture', y0: floorTop, y1: 1, amplitude: 7, cell: 0.012, seed: seed(rng) },
  ];
  for (const tile of TILES) {
    // A window with blinds, a desk block with a monitor, a plant.
    shapes.push(...officeWindow(rng, tile));
    const dx = tile + rng.uniform(0, 0.45);
    const dw = rng.uniform(0.38, 0.5);
    const top = floorTop - rng.uniform(0.18, 0.22);
    shapes.push(...deskShapes(dx, dw, top, floorTop, desk));
    shapes.push(...monitorShapes(rng, dx + rng.uniform(0.04, dw - 0.2), top));
    shapes.push(...plantShapes(rng, dx + dw + rng.uniform(0.06, 0.2), floorTop));
  }
  return { floorTop, shapes };
}

/** A window with half-drawn blinds, somewhere on the tile's wall. */
function officeWindow(rng: Rng, tile: number): SceneShape[] {
  const wx = tile + rng.uniform(0.02, 0.5);
  const ww = rng.uniform(0.32, 0.45);
  const wy1 = rng.uniform(0.38, 0.44);
  return [
    { kind: 'rect', x0: wx - 0.02, x1: wx + ww + 0.02, y0: 0.06, y1: wy1 + 0.02, colour: [150, 156, 164] },
    { kind: 'rect', x0: wx, x1: wx + ww, y0: 0.08, y1: wy1, colour: vary([168, 206, 236], 10, rng) },
    {
      kind: 'stripes',
      x0: wx,
      x1: wx + ww,
      y0: 0.08,
      y1: rng.uniform(0.2, wy1),
      period: 0.035,
      duty: 0.6,
      colour: [238, 238, 232],
      alpha: 0.9,
    },
  ];
}

/** A desk block `dw` wide from `dx` with its top at `top`, drawers on the right. */
function deskShapes(dx: number, dw: number, top: number, floorTop: number, desk: RGB): SceneShape[] {
  return [
    { kind: 'rect', x0: dx, x1: dx + dw, y0: top + 0.03, y1: floorTop + 0.03, colour: shade(desk, 0.78) },
    {
      kind: 'stripes',
      x0: dx + dw - 0.14,
      x1: dx + dw - 0.02,
      y0: top + 0.05,
      y1: floorTop + 0.01,
      period: 0.06,
      duty: 0.12,
      colour: shade(desk, 0.55),
    },
    { kind: 'rect', x0: dx - 0.02, x1: dx + dw + 0.02, y0: top, y1: top + 0.03, colour: desk },
  ];
}

/** A monitor on its stand, its left edge at `mx`, standing on `top`. */
function monitorShapes(rng: Rng, mx: number, top: number): SceneShape[] {
  return [
    { kind: 'rect', x0: mx + 0.05, x1: mx + 0.11, y0: top - 0.025, y1: top, colour: [50, 50, 54] },
    {
      kind: 'rect',
      x0: mx,
      x1: mx + 0.16,
      y0: top - 0.15,
      y1: top - 0.02,
      colour: [38, 38, 42],
      round: 0.008,
    },
    {
      kind: 'rect',
      x0: mx + 0.012,
      x1: mx + 0.148,
      y0: top - 0.138,
      y1: top - 0.032,
      colour: vary([80, 134, 196], 16, rng),
    },
  ];
}

/** A potted plant centred on `px`, on the floor. */
function plantShapes(rng: Rng, px: number, floorTop: number): SceneShape[] {
  return [
    {
      kind: 'ellipse',
      cx: px,
      cy: floorTop - 0.14,
      rx: 0.07,
      ry: 0.09,
      colour: vary([56, 122, 60], 12, rng),
    },
    {
      kind: 'rect',
      x0: px - 0.045,
      x1: px + 0.045,
      y0: floorTop - 0.08,
      y1: floorTop + 0.02,
      colour: vary([180, 90, 60], 12, rng),
      round: 0.01,
    },
  ];
}

function pool(rng: Rng): Built {
  const waterTop = rng.uniform(0.26, 0.32);
  const floorTop = waterTop + rng.uniform(0.27, 0.31);
  const water = vary([38, 152, 204], 14, rng);
  const deck = vary([226, 222, 208], 10, rng);
  const hall = vary([214, 224, 230], 10, rng);
  const shapes: SceneShape[] = [
    band(0, waterTop, hall, shade(hall, 0.94)),
    {
      kind: 'windows',
      x0: FAR_LEFT,
      x1: FAR_RIGHT,
      y0: 0.02,
      y1: waterTop - 0.04,
      cellW: 0.2,
      cellH: waterTop - 0.06,
      inset: 0.12,
      colour: vary([160, 200, 232], 10, rng),
      lit: vary([186, 216, 240], 8, rng),
      litShare: 0.5,
      seed: seed(rng),
    },
    wide(waterTop - 0.03, waterTop, [40, 70, 130]),
    band(waterTop, floorTop, shade(water, 0.85), water),
    {
      kind: 'stripes',
      x0: FAR_LEFT,
      x1: FAR_RIGHT,
      y0: waterTop,
      y1: floorTop,
      period: 0.04,
      duty: 0.25,
      colour: [140, 210, 238],
      alpha: 0.45,
    },
  ];
  // Lane ropes: rows of red and white floats across the water.
  const lanes = rng.int(1, 2);
  for (let k = 1; k <= lanes; k++) {
    const y = waterTop + ((floorTop - waterTop) * k) / (lanes + 1);
    shapes.push(wide(y - 0.006, y + 0.006, [200, 40, 40]));
    shapes.push({
      kind: 'dots',
      x0: FAR_LEFT,
      x1: FAR_RIGHT,
      y0: y,
      y1: y,
      spacing: 0.05,
      radius: 0.011,
      colour: [245, 245, 245],
    });
  }
  shapes.push(wide(floorTop - 0.02, floorTop + 0.02, [42, 64, 124]));
  shapes.push(band(floorTop + 0.02, 1, deck, shade(deck, 0.93)));
  shapes.push({
    kind: 'checker',
    x0: FAR_LEFT,
    x1: FAR_RIGHT,
    y0: floorTop + 0.02,
    y1: 1,
    cellW: 0.08,
    cellH: 0.06,
    colour: shade(deck, 0.86),
  });
  for (const tile of TILES) {
    // A lifebuoy on the wall: a ring, not a pole.
    const cx = tile + rng.uniform(0.1, 0.9);
    const cy = rng.uniform(0.1, waterTop - 0.08);
    shapes.push({ kind: 'ellipse', cx, cy, rx: 0.05, ry: 0.05, colour: [226, 60, 50] });
    shapes.push({ kind: 'ellipse', cx, cy, rx: 0.024, ry: 0.024, colour: hall });
  }
  return { floorTop, shapes };
}

function snow(rng: Rng): Built {
  const floorTop = rng.uniform(0.45, 0.52);
  const sky = vary([176, 180, 190], 12, rng);
  const ground = vary([240, 242, 248], 6, rng);
  const shapes: SceneShape[] = [band(0, floorTop, shade(sky, 0.94), shade(sky, 1.08))];
  for (const tile of TILES) {
    for (let k = 0; k < 2; k++) {
      shapes.push({
        kind: 'ellipse',
        cx: tile + rng.next(),
        cy: floorTop + 0.04,
        rx: rng.uniform(0.3, 0.45),
        ry: rng.uniform(0.16, 0.24),
        colour: vary([150, 160, 182], 10, rng),
      });
    }
  }
  shapes.push(band(floorTop, 1, shade(ground, 0.95), ground));
  shapes.push({ kind: 'texture', y0: floorTop, y1: 1, amplitude: 5, cell: 0.03, seed: seed(rng) });
  for (const tile of TILES) {
    for (let k = 0; k < 2; k++) {
      shapes.push({
        kind: 'ellipse',
        cx: tile + rng.next(),
        cy: floorTop + 0.03,
        rx: rng.uniform(0.25, 0.4),
        ry: 0.06,
        colour: vary([222, 228, 240], 6, rng),
      });
    }
    // A snowman: three stacked outlined balls, a carrot and a hat.
    const cx = tile + rng.uniform(0.1, 0.9);
    const base = rng.uniform(floorTop + 0.08, floorTop + 0.16);
    const size = rng.uniform(0.85, 1.15);
    let y = base;
    for (const r of [0.075, 0.055, 0.038]) {
      const rr = r * size;
      shapes.push({ kind: 'ellipse', cx, cy: y - rr, rx: rr + 0.008, ry: rr + 0.008, colour: [110, 120, 142] });
      shapes.push({ kind: 'ellipse', cx, cy: y - rr, rx: rr, ry: rr, colour: [250, 250, 252] });
      y -= 2 * rr - 0.01;
    }
    const head = y + 0.038 * size;
    shapes.push({ kind: 'ellipse', cx: cx + 0.02, cy: head, rx: 0.02, ry: 0.008, colour: [240, 120, 30] });
    shapes.push({ kind: 'rect', x0: cx - 0.035, x1: cx + 0.035, y0: y - 0.005, y1: y + 0.012, colour: [30, 30, 34] });
    for (let k = 0; k < 10; k++) {
      shapes.push({
        kind: 'ellipse',
        cx: tile + rng.next(),
        cy: rng.uniform(0.02, floorTop - 0.1),
        rx: 0.009,
        ry: 0.009,
        colour: [250, 250, 255],
        alpha: 0.9,
      });
    }
  }
  return { floorTop, shapes };
}
