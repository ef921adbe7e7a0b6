/**
 * The service map's edge geometry: SVG path data and label points for laid-out edges. Pure; layout.ts decides
 * where boxes and long edges' lanes go, this file only draws between them.
 */

export interface EdgePath {
  from: string;
  to: string;
  /**
   * SVG path data (M then cubic segments only): from the source's right side to the target's left side, through
   * a lane in every layer a long edge skips, or a loop back.
   */
  d: string;
  label: { x: number; y: number };
  /** Drawn against the flow: part of a cycle, or a self call. */
  back: boolean;
}

/** What edges are drawn between: a service's box, or the slot a long edge has in a layer it skips. */
export interface Box {
  id: string;
  layer: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Vertical spread between parallel edges of one pair (a normal and a broken edge). */
export const PARALLEL_OFFSET = 16;
/** Height of one long edge's lane through a layer: room for its label (18 px) and a little air. */
export const LANE_H = 20;

type Point = readonly [number, number];
type Cubic = [number, number, number, number, number, number, number, number];

/** `lanes`: the slots of the layers the edge skips, left to right (none for an edge to the next layer or back). */
export function edgePath(a: Box, b: Box, nth: number, lanes: readonly Box[]): EdgePath {
  const off = nth * PARALLEL_OFFSET;
  if (lanes.length > 0) return longPath(a, b, nth, lanes);
  if (b.layer > a.layer) {
    const [x1, y1, x2, y2] = [a.x + a.w, a.y + a.h / 2 + off / 2, b.x, b.y + b.h / 2 + off / 2];
    const dx = Math.max(40, (x2 - x1) / 2);
    const c: Cubic = [x1, y1, x1 + dx, y1 + off, x2 - dx, y2 + off, x2, y2];
    return { from: a.id, to: b.id, d: pathData([c]), label: mid(c), back: false };
  }
  // Against the flow (or a self call): leave from the bottom, loop below both nodes, enter from the bottom.
  const [x1, y1, x2, y2] = [a.x + a.w * 0.7, a.y + a.h, b.x + b.w * 0.3, b.y + b.h];
  const dip = Math.max(y1, y2) + 44 + off;
  const c: Cubic = [x1, y1, x1 + 30, dip, x2 - 30, dip, x2, y2];
  return { from: a.id, to: b.id, d: pathData([c]), label: mid(c), back: true };
}

/**
 * A long edge: level through each skipped layer's column at its lane, an S-curve across each gap between columns.
 * Every joint has a horizontal tangent on both sides, so the path is smooth; and it only enters a column inside
 * its own lane, so it never passes behind a box. The label goes on the middle segment (there is always one: 2k+1).
 */
function longPath(a: Box, b: Box, nth: number, lanes: readonly Box[]): EdgePath {
  const off = nth * PARALLEL_OFFSET;
  // Parallel edges of one pair share the lanes, one line each, as they share the end nodes' sides.
  const laneY = (l: Box) => l.y + LANE_H / 2 + off;
  const points: Point[] = [[a.x + a.w, a.y + a.h / 2 + off / 2]];
  for (const l of lanes) points.push([l.x, laneY(l)], [l.x + l.w, laneY(l)]);
  points.push([b.x, b.y + b.h / 2 + off / 2]);
  const segments = points.slice(1).map((p, i) => sCurve(points[i], p));
  return { from: a.id, to: b.id, d: pathData(segments), label: mid(segments[lanes.length]), back: false };
}

/** Horizontal at both ends; control points half way across, so x never leaves [x1, x2]. Level ends: a straight line. */
function sCurve([x1, y1]: Point, [x2, y2]: Point): Cubic {
  const dx = (x2 - x1) / 2;
  return [x1, y1, x1 + dx, y1, x2 - dx, y2, x2, y2];
}

/** Consecutive cubics that start where the previous one ended. */
function pathData(segments: Cubic[]): string {
  const r = (v: number) => Math.round(v * 10) / 10;
  const [x0, y0] = segments[0];
  const cs = segments.map((c) => `C${r(c[2])},${r(c[3])} ${r(c[4])},${r(c[5])} ${r(c[6])},${r(c[7])}`);
  return `M${r(x0)},${r(y0)} ${cs.join(' ')}`;
}

/** The cubic's point at t = 0.5. */
function mid([x1, y1, c1x, c1y, c2x, c2y, x2, y2]: Cubic): { x: number; y: number } {
  return { x: Math.round((x1 + 3 * c1x + 3 * c2x + x2) / 8), y: Math.round((y1 + 3 * c1y + 3 * c2y + y2) / 8) };
}
