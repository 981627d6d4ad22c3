/**
 * Layered layout of one frame's boxes (pure): layers by longest path over the edges that run
 * forward in trace order (`first`), so back edges never make a cycle; within a layer, boxes
 * ordered by the mean rank of their predecessors (ties: trace order). Integer coordinates.
 */

export interface FrameItem {
  /** Position in trace order. */
  readonly first: number;
  readonly width: number;
  readonly height: number;
}

export interface Placed<T> {
  readonly item: T;
  readonly x: number;
  readonly y: number;
}

export interface FrameLayout<T> {
  readonly placed: Placed<T>[];
  readonly width: number;
  readonly height: number;
}

function layers<T extends FrameItem>(items: readonly T[], preds: Map<T, T[]>): T[][] {
  const layerOf = new Map<T, number>();
  const out: T[][] = [];
  for (const it of items) {
    let l = 0;
    for (const p of preds.get(it) ?? []) if (p.first < it.first) l = Math.max(l, layerOf.get(p)! + 1);
    layerOf.set(it, l);
    (out[l] ??= []).push(it);
  }
  return out;
}

/** Orders each layer by the mean rank of its predecessors in the layers above. */
function order<T extends FrameItem>(ls: T[][], preds: Map<T, T[]>): void {
  const rank = new Map<T, number>();
  for (const layer of ls) {
    const key = new Map<T, number>();
    for (const it of layer) {
      const ranks = (preds.get(it) ?? []).filter((p) => rank.has(p)).map((p) => rank.get(p)!);
      key.set(it, ranks.length ? ranks.reduce((a, b) => a + b, 0) / ranks.length : Number.POSITIVE_INFINITY);
    }
    layer.sort((a, b) => {
      const ka = key.get(a)!;
      const kb = key.get(b)!;
      return ka === kb ? a.first - b.first : ka < kb ? -1 : 1;
    });
    layer.forEach((it, i) => rank.set(it, i));
  }
}

/**
 * Lays the frame out left to right: each layer is a column (a layer of more than `perColumn`
 * boxes becomes several), and columns wrap into bands, top to bottom, so that the frame's
 * width ÷ height comes near `aspect` (bands are at least `minWidth` wide, so a handful of
 * boxes stays on one line).
 */
export function layoutFrame<T extends FrameItem>(items: readonly T[], edges: readonly (readonly [T, T])[], gap: number, aspect: number, minWidth = 0, perColumn = 8): FrameLayout<T> {
  const sorted = [...items].sort((a, b) => a.first - b.first);
  const preds = new Map<T, T[]>();
  for (const [a, b] of edges) {
    const list = preds.get(b) ?? [];
    if (!list.includes(a)) list.push(a);
    preds.set(b, list);
  }
  const ls = layers(sorted, preds);
  order(ls, preds);
  const columns = ls.flatMap((layer) => Array.from({ length: Math.ceil(layer.length / perColumn) }, (_, i) => {
    const col = layer.slice(i * perColumn, (i + 1) * perColumn);
    return { items: col, width: Math.max(...col.map((it) => it.width)), height: col.reduce((h, it) => h + it.height, 0) + gap * (col.length - 1) };
  }));
  const area = columns.reduce((a, c) => a + (c.width + gap) * (c.height + gap), 0);
  const target = Math.max(minWidth, ...columns.map((c) => c.width), Math.sqrt(area * aspect));
  const bands: (typeof columns)[] = [];
  let bandWidth = Number.POSITIVE_INFINITY;
  for (const c of columns) {
    if (bandWidth + gap + c.width > target) {
      bands.push([]);
      bandWidth = -gap;
    }
    bands[bands.length - 1]!.push(c);
    bandWidth += gap + c.width;
  }
  const placed: Placed<T>[] = [];
  let width = 0;
  let y = 0;
  for (const band of bands) {
    const height = Math.max(...band.map((c) => c.height));
    let x = 0;
    for (const c of band) {
      let cy = y + Math.round((height - c.height) / 2);
      for (const it of c.items) {
        placed.push({ item: it, x: x + Math.round((c.width - it.width) / 2), y: cy });
        cy += it.height + gap;
      }
      x += c.width + gap;
    }
    width = Math.max(width, x - gap);
    y += height + 2 * gap;
  }
  return { placed, width, height: Math.max(0, y - 2 * gap) };
}
