/**
 * Rasterises posed figures: each part group gets a dark outline around the
 * union of its capsules, then its capsules in order, all with analytic
 * anti-aliasing (coverage = how far the pixel centre lies inside the edge).
 */
import type { PartGroup } from './people-figure';
import type { RGB } from './scene-shapes';

/** Near-black outline: it separates a limb from the trunk and the person from any background. */
const OUTLINE: RGB = [26, 22, 24];

/** Most capsules in one group (an arm has 3, a trunk 3, a head up to 4). */
const MAX_CAPSULES = 8;
/** Per capsule: ax, ay, bx - ax, by - ay, 1 / squared length (0 for a disc), radius. */
const STRIDE = 6;
const packed = new Float64Array(MAX_CAPSULES * STRIDE);
const distances = new Float64Array(MAX_CAPSULES);

/**
 * Draws groups given in pixels onto `frame` (`[H,W,3]` float32, 0..255) and
 * unions their coverage into `mask` (`[H,W]` float32, 0..1). Only the pixels
 * in each group's bounding box are visited.
 */
export function drawGroups(
  frame: Float32Array,
  mask: Float32Array,
  width: number,
  height: number,
  groups: readonly PartGroup[],
  outline: number,
): void {
  for (const group of groups) {
    const n = group.length;
    if (n > MAX_CAPSULES) throw new Error(`a part group has ${n} capsules, at most ${MAX_CAPSULES}`);
    let x0 = Infinity;
    let x1 = -Infinity;
    let y0 = Infinity;
    let y1 = -Infinity;
    group.forEach((c, k) => {
      x0 = Math.min(x0, c.ax - c.r, c.bx - c.r);
      x1 = Math.max(x1, c.ax + c.r, c.bx + c.r);
      y0 = Math.min(y0, c.ay - c.r, c.by - c.r);
      y1 = Math.max(y1, c.ay + c.r, c.by + c.r);
      const dx = c.bx - c.ax;
      const dy = c.by - c.ay;
      const length2 = dx * dx + dy * dy;
      packed.set([c.ax, c.ay, dx, dy, length2 > 0 ? 1 / length2 : 0, c.r], k * STRIDE);
    });
    const pad = outline + 1;
    const i0 = Math.max(0, Math.floor(x0 - pad));
    const i1 = Math.min(width - 1, Math.ceil(x1 + pad));
    const j0 = Math.max(0, Math.floor(y0 - pad));
    const j1 = Math.min(height - 1, Math.ceil(y1 + pad));
    for (let j = j0; j <= j1; j++) {
      const py = j + 0.5;
      for (let i = i0; i <= i1; i++) {
        const px = i + 0.5;
        let nearest = Infinity;
        for (let k = 0; k < n; k++) {
          const d = capsuleDistance(k * STRIDE, px, py);
          distances[k] = d;
          if (d < nearest) nearest = d;
        }
        const edge = outline + 0.5 - nearest;
        if (edge <= 0) continue;
        const p = j * width + i;
        const a = edge > 1 ? 1 : edge;
        paint(frame, p, OUTLINE, a);
        mask[p] = (mask[p] as number) + a * (1 - (mask[p] as number));
        for (let k = 0; k < n; k++) {
          const fill = 0.5 - (distances[k] as number);
          if (fill > 0) paint(frame, p, (group[k] as PartGroup[number]).colour, fill > 1 ? 1 : fill);
        }
      }
    }
  }
}

/** Signed distance from a point to the packed capsule at `o`, in pixels (negative inside). */
function capsuleDistance(o: number, px: number, py: number): number {
  const ax = packed[o] as number;
  const ay = packed[o + 1] as number;
  const dx = packed[o + 2] as number;
  const dy = packed[o + 3] as number;
  let t = ((px - ax) * dx + (py - ay) * dy) * (packed[o + 4] as number);
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const ex = px - ax - t * dx;
  const ey = py - ay - t * dy;
  return Math.sqrt(ex * ex + ey * ey) - (packed[o + 5] as number);
}

function paint(frame: Float32Array, pixel: number, colour: RGB, a: number): void {
  const i = pixel * 3;
  frame[i] = (frame[i] as number) + ((colour[0] as number) - (frame[i] as number)) * a;
  frame[i + 1] = (frame[i + 1] as number) + ((colour[1] as number) - (frame[i + 1] as number)) * a;
  frame[i + 2] = (frame[i + 2] as number) + ((colour[2] as number) - (frame[i + 2] as number)) * a;
}
