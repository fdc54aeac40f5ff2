/**
 * The drawing primitives of the procedural scenes and their anti-aliased
 * rasteriser. A scene is a list of these shapes, so it is plain data (it can
 * go into a manifest) and renders at any frame size.
 *
 * Units: `x…` are fractions of the frame width, `y…` fractions of the frame
 * height; sizes of round or repeating things (radii, periods, cells) are in
 * frame heights, so circles stay round in any aspect ratio. Coordinates may
 * lie outside [0, 1]: a panning camera sees beyond the first frame.
 */

export type RGB = readonly [number, number, number];

/** Optional opacity of a shape, 0..1. @default 1 */
interface Blend {
  readonly alpha?: number;
}

/** A full-width vertical gradient between two rows (sky, wall, floor). */
export interface BandShape extends Blend {
  readonly kind: 'band';
  readonly y0: number;
  readonly y1: number;
  readonly top: RGB;
  readonly bottom: RGB;
}

/** An axis-aligned rectangle, optionally with rounded corners (`round` in frame heights). */
export interface RectShape extends Blend {
  readonly kind: 'rect';
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
  readonly colour: RGB;
  readonly round?: number;
}

/** An ellipse: centre in frame fractions, radii in frame heights. */
export interface EllipseShape extends Blend {
  readonly kind: 'ellipse';
  readonly cx: number;
  readonly cy: number;
  readonly rx: number;
  readonly ry: number;
  readonly colour: RGB;
}

/** Horizontal stripes inside a rectangle: planks, blinds, rungs, waves. */
export interface StripesShape extends Blend {
  readonly kind: 'stripes';
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
  /** Stripe period in frame heights. */
  readonly period: number;
  /** Fraction of each period that is painted, 0..1. */
  readonly duty: number;
  readonly colour: RGB;
}

/** Every other cell of a grid painted: tiles, paving slabs. */
export interface CheckerShape extends Blend {
  readonly kind: 'checker';
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
  readonly cellW: number;
  readonly cellH: number;
  readonly colour: RGB;
}

/** A grid of small discs, every other row shifted by half a cell: wallpaper, flowers, lane ropes. */
export interface DotsShape extends Blend {
  readonly kind: 'dots';
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
  readonly spacing: number;
  readonly radius: number;
  readonly colour: RGB;
}

/** A grid of window panes (cell minus an inset frame); a hashed share of them are lit. */
export interface WindowsShape extends Blend {
  readonly kind: 'windows';
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
  readonly cellW: number;
  readonly cellH: number;
  /** Fraction of each cell taken by the frame around the pane, 0..1. */
  readonly inset: number;
  readonly colour: RGB;
  readonly lit: RGB;
  /** Share of lit panes, 0..1. */
  readonly litShare: number;
  readonly seed: number;
}

/** Smooth value noise added to a band of rows (grain of sand, grass, carpet, snow). */
export interface TextureShape {
  readonly kind: 'texture';
  readonly y0: number;
  readonly y1: number;
  /** Peak offset in 0..255 units. */
  readonly amplitude: number;
  /** Noise cell in frame heights. */
  readonly cell: number;
  readonly seed: number;
}

export type SceneShape =
  BandShape | RectShape | EllipseShape | StripesShape | CheckerShape | DotsShape | WindowsShape | TextureShape;

/**
 * An RGB canvas, `[H,W,3]` float32 row-major in 0..255, covering the frame
 * extended by margins: canvas pixel (i, j) is frame pixel (i - left, j - top).
 */
export interface Plate {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly top: number;
  /** Size of the frame the shapes' fractions refer to, in pixels. */
  readonly frameWidth: number;
  readonly frameHeight: number;
}

export interface PlateMargins {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/** Paints `shapes` in order onto a new plate of the frame size plus `margins` (whole pixels). */
export function paintPlate(
  shapes: readonly SceneShape[],
  frameWidth: number,
  frameHeight: number,
  margins: PlateMargins,
): Plate {
  const width = frameWidth + margins.left + margins.right;
  const height = frameHeight + margins.top + margins.bottom;
  const plate: Plate = {
    data: new Float32Array(width * height * 3),
    width,
    height,
    left: margins.left,
    top: margins.top,
    frameWidth,
    frameHeight,
  };
  for (const shape of shapes) paintShape(plate, shape);
  return plate;
}

function paintShape(plate: Plate, shape: SceneShape): void {
  switch (shape.kind) {
    case 'band':
      return paintBand(plate, shape);
    case 'rect':
      return shape.round ? paintRoundRect(plate, shape, shape.round) : paintPattern(plate, shape, () => 1);
    case 'ellipse':
      return paintEllipse(plate, shape);
    case 'stripes': {
      const period = shape.period * plate.frameHeight;
      const top = shape.y0 * plate.frameHeight;
      return paintPattern(plate, shape, (_x0, _x1, y0, y1) => periodicCoverage(y0 - top, y1 - top, period, shape.duty));
    }
    case 'checker': {
      const cw = shape.cellW * plate.frameHeight;
      const ch = shape.cellH * plate.frameHeight;
      const left = shape.x0 * plate.frameWidth;
      const top = shape.y0 * plate.frameHeight;
      return paintPattern(plate, shape, (x0, x1, y0, y1) => {
        // Share of the pixel in odd cells: even columns × odd rows plus the reverse.
        const fx = periodicCoverage(x0 - left, x1 - left, 2 * cw, 0.5);
        const fy = periodicCoverage(y0 - top, y1 - top, 2 * ch, 0.5);
        return fx * (1 - fy) + (1 - fx) * fy;
      });
    }
    case 'dots':
      return paintDots(plate, shape);
    case 'windows':
      return paintWindows(plate, shape);
    case 'texture':
      return paintTexture(plate, shape);
  }
}

/** Blends `colour` into canvas pixel `index` with coverage `a`. */
function blend(data: Float32Array, index: number, colour: RGB, a: number): void {
  const i = index * 3;
  data[i] = (data[i] as number) + ((colour[0] as number) - (data[i] as number)) * a;
  data[i + 1] = (data[i + 1] as number) + ((colour[1] as number) - (data[i + 1] as number)) * a;
  data[i + 2] = (data[i + 2] as number) + ((colour[2] as number) - (data[i + 2] as number)) * a;
}

/** Integral over [a, b] of a periodic 0/1 pattern (on for the first `duty` of each period), divided by b - a. */
export function periodicCoverage(a: number, b: number, period: number, duty: number): number {
  const on = (x: number): number => {
    const k = Math.floor(x / period);
    return k * duty * period + Math.min(x - k * period, duty * period);
  };
  return (on(b) - on(a)) / (b - a);
}

function overlap(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

interface Box {
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
  readonly colour: RGB;
  readonly alpha?: number;
}

/**
 * Paints a rectangle whose pixels take `pattern(x0, x1, y0, y1)` of the
 * colour: the pattern's coverage of the pixel's box (frame pixels), times the
 * box's exact overlap with the rectangle.
 */
function paintPattern(
  plate: Plate,
  box: Box,
  pattern: (x0: number, x1: number, y0: number, y1: number) => number,
): void {
  const X0 = box.x0 * plate.frameWidth;
  const X1 = box.x1 * plate.frameWidth;
  const Y0 = box.y0 * plate.frameHeight;
  const Y1 = box.y1 * plate.frameHeight;
  const alpha = box.alpha ?? 1;
  const i0 = Math.max(0, Math.floor(X0 + plate.left));
  const i1 = Math.min(plate.width - 1, Math.ceil(X1 + plate.left));
  const j0 = Math.max(0, Math.floor(Y0 + plate.top));
  const j1 = Math.min(plate.height - 1, Math.ceil(Y1 + plate.top));
  for (let j = j0; j <= j1; j++) {
    const y = j - plate.top;
    const cy = overlap(y, y + 1, Y0, Y1);
    if (cy <= 0) continue;
    for (let i = i0; i <= i1; i++) {
      const x = i - plate.left;
      const cx = overlap(x, x + 1, X0, X1);
      if (cx <= 0) continue;
      const a = cx * cy * pattern(x, x + 1, y, y + 1) * alpha;
      if (a > 0) blend(plate.data, j * plate.width + i, box.colour, a);
    }
  }
}

function paintBand(plate: Plate, band: BandShape): void {
  const Y0 = band.y0 * plate.frameHeight;
  const Y1 = band.y1 * plate.frameHeight;
  const alpha = band.alpha ?? 1;
  const j0 = Math.max(0, Math.floor(Y0 + plate.top));
  const j1 = Math.min(plate.height - 1, Math.ceil(Y1 + plate.top));
  const colour: [number, number, number] = [0, 0, 0];
  for (let j = j0; j <= j1; j++) {
    const y = j - plate.top;
    const a = overlap(y, y + 1, Y0, Y1) * alpha;
    if (a <= 0) continue;
    const t = Math.min(1, Math.max(0, (y + 0.5 - Y0) / (Y1 - Y0)));
    for (let c = 0; c < 3; c++) colour[c] = (band.top[c] as number) * (1 - t) + (band.bottom[c] as number) * t;
    for (let i = 0; i < plate.width; i++) blend(plate.data, j * plate.width + i, colour, a);
  }
}

/** Visits the canvas pixels that touch a box given in frame pixels, with their centres in frame pixels. */
function forEachPixel(
  plate: Plate,
  x0: number,
  x1: number,
  y0: number,
  y1: number,
  visit: (index: number, x: number, y: number) => void,
): void {
  const i0 = Math.max(0, Math.floor(x0 + plate.left));
  const i1 = Math.min(plate.width - 1, Math.ceil(x1 + plate.left));
  const j0 = Math.max(0, Math.floor(y0 + plate.top));
  const j1 = Math.min(plate.height - 1, Math.ceil(y1 + plate.top));
  for (let j = j0; j <= j1; j++) {
    for (let i = i0; i <= i1; i++) visit(j * plate.width + i, i - plate.left + 0.5, j - plate.top + 0.5);
  }
}

function paintRoundRect(plate: Plate, rect: RectShape, round: number): void {
  const X0 = rect.x0 * plate.frameWidth;
  const X1 = rect.x1 * plate.frameWidth;
  const Y0 = rect.y0 * plate.frameHeight;
  const Y1 = rect.y1 * plate.frameHeight;
  const cx = (X0 + X1) / 2;
  const cy = (Y0 + Y1) / 2;
  const r = Math.min(round * plate.frameHeight, (X1 - X0) / 2, (Y1 - Y0) / 2);
  const hx = (X1 - X0) / 2 - r;
  const hy = (Y1 - Y0) / 2 - r;
  const alpha = rect.alpha ?? 1;
  forEachPixel(plate, X0 - 1, X1 + 1, Y0 - 1, Y1 + 1, (index, x, y) => {
    // Signed distance to a rounded box; coverage is a one-pixel ramp across the edge.
    const qx = Math.abs(x - cx) - hx;
    const qy = Math.abs(y - cy) - hy;
    const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0));
    const d = outside + Math.min(Math.max(qx, qy), 0) - r;
    const a = Math.min(1, Math.max(0, 0.5 - d)) * alpha;
    if (a > 0) blend(plate.data, index, rect.colour, a);
  });
}

function paintEllipse(plate: Plate, ellipse: EllipseShape): void {
  const cx = ellipse.cx * plate.frameWidth;
  const cy = ellipse.cy * plate.frameHeight;
  const rx = ellipse.rx * plate.frameHeight;
  const ry = ellipse.ry * plate.frameHeight;
  const alpha = ellipse.alpha ?? 1;
  const small = Math.min(rx, ry);
  forEachPixel(plate, cx - rx - 1, cx + rx + 1, cy - ry - 1, cy + ry + 1, (index, x, y) => {
    // Distance approximated by the normalised radius: exact for circles, close for flat ellipses.
    const k = Math.hypot((x - cx) / rx, (y - cy) / ry);
    const a = Math.min(1, Math.max(0, 0.5 - (k - 1) * small)) * alpha;
    if (a > 0) blend(plate.data, index, ellipse.colour, a);
  });
}

function paintDots(plate: Plate, dots: DotsShape): void {
  const X0 = dots.x0 * plate.frameWidth;
  const X1 = dots.x1 * plate.frameWidth;
  const Y0 = dots.y0 * plate.frameHeight;
  const Y1 = dots.y1 * plate.frameHeight;
  const step = dots.spacing * plate.frameHeight;
  const r = dots.radius * plate.frameHeight;
  const alpha = dots.alpha ?? 1;
  // Disc centres lie inside the box; a box of zero height is one row (a lane rope).
  const lastRow = Math.floor((Y1 - Y0) / step + 1e-9);
  forEachPixel(plate, X0 - r - 1, X1 + r + 1, Y0 - r - 1, Y1 + r + 1, (index, x, y) => {
    const row = Math.min(lastRow, Math.max(0, Math.round((y - Y0) / step)));
    const shift = row % 2 === 0 ? 0 : step / 2;
    const col = Math.round((x - X0 - shift) / step);
    const centreX = X0 + shift + col * step;
    if (centreX < X0 || centreX > X1) return;
    const d = Math.hypot(x - centreX, y - Y0 - row * step);
    const a = Math.min(1, Math.max(0, r + 0.5 - d)) * alpha;
    if (a > 0) blend(plate.data, index, dots.colour, a);
  });
}

function paintWindows(plate: Plate, windows: WindowsShape): void {
  const cw = windows.cellW * plate.frameHeight;
  const ch = windows.cellH * plate.frameHeight;
  const left = windows.x0 * plate.frameWidth;
  const top = windows.y0 * plate.frameHeight;
  const pane = 1 - windows.inset;
  // Panes are the first `pane` of each cell; shifting by half the inset centres them.
  const shiftX = (windows.inset * cw) / 2;
  const shiftY = (windows.inset * ch) / 2;
  for (const lit of [false, true]) {
    paintPattern(plate, { ...windows, colour: lit ? windows.lit : windows.colour }, (x0, x1, y0, y1) => {
      const col = Math.floor((x0 + 0.5 - left) / cw);
      const row = Math.floor((y0 + 0.5 - top) / ch);
      if (hash3(col, row, windows.seed) < windows.litShare !== lit) return 0;
      const fx = periodicCoverage(x0 - left - shiftX, x1 - left - shiftX, cw, pane);
      const fy = periodicCoverage(y0 - top - shiftY, y1 - top - shiftY, ch, pane);
      return fx * fy;
    });
  }
}

function paintTexture(plate: Plate, texture: TextureShape): void {
  const Y0 = texture.y0 * plate.frameHeight;
  const Y1 = texture.y1 * plate.frameHeight;
  const cell = Math.max(0.5, texture.cell * plate.frameHeight);
  forEachPixel(plate, -plate.left, plate.width - plate.left, Y0, Y1, (index, x, y) => {
    if (y < Y0 || y > Y1) return;
    // The lattice lives in frame pixels, so a plate with margins matches the plain frame.
    const offset = texture.amplitude * valueNoise(x / cell, y / cell, texture.seed);
    const i = index * 3;
    for (let c = 0; c < 3; c++) plate.data[i + c] = (plate.data[i + c] as number) + offset;
  });
}

/** Smooth noise in [-1, 1] on an integer lattice. */
function valueNoise(x: number, y: number, seed: number): number {
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  const fx = x - ix;
  const fy = y - iy;
  const sx = fx * fx * (3 - 2 * fx);
  const sy = fy * fy * (3 - 2 * fy);
  const k = (a: number, b: number): number => hash3(a, b, seed) * 2 - 1;
  const top = k(ix, iy) * (1 - sx) + k(ix + 1, iy) * sx;
  const bottom = k(ix, iy + 1) * (1 - sx) + k(ix + 1, iy + 1) * sx;
  return top * (1 - sy) + bottom * sy;
}

/** A hash of three integers to [0, 1). */
export function hash3(a: number, b: number, c: number): number {
  let h = Math.imul(a | 0, 0x27d4eb2d) ^ Math.imul(b | 0, 0x165667b1) ^ Math.imul(c | 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}
