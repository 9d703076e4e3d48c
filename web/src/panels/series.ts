// One run's series in a chart: the server's buckets (`/series`) with the live feed's points merged
// in, always equal to what asking the server again would return, so a live chart draws exactly
// what a reload draws. The server owns the bucketing (store/buckets.py); this module only
// continues it: buckets are cells `floor(x / width)` of a power-of-two width, so a new point
// joins its cell, and when the range outgrows the width, pairs of cells merge into one.
import { num, type HistoryRow, type RunBuckets } from "../api";

/** What a chart asks the server for one run. */
export interface SeriesRequest {
  /** The x axis: `_step`, `_runtime`, `_timestamp` or a metric. */
  xKey: string;
  /** At most this many buckets. */
  points: number;
  /** The zoomed x range, or null for the whole run. */
  range: readonly [number, number] | null;
}

/** A run's series: never changed in place (appending returns a new one). */
export interface RunSeries extends SeriesRequest {
  runId: string;
  x: readonly number[];
  last: readonly number[];
  min: readonly number[];
  max: readonly number[];
  count: readonly number[];
  /** Points in range (the sum of `count`). */
  total: number;
  /** The step after the last point seen: live rows before it are already in. */
  cursor: number;
  /** The x range the bucket width is chosen for: the zoom, else the points' extent. */
  lo: number;
  hi: number;
  /** 0: raw points; else each bucket holds the points of one cell `floor(x / width)`. */
  width: number;
  /** Buckets this module cannot continue (a server that did not say how it bucketed):
   * the chart must ask again. */
  stale: boolean;
}

interface Columns {
  x: number[];
  last: number[];
  min: number[];
  max: number[];
  count: number[];
}

/** The series of one run from a `/series` answer (the arrays are copied, never shared). */
export function fromBuckets(rb: RunBuckets, q: SeriesRequest): RunSeries {
  const b = rb.buckets;
  const n = b.x.length;
  const last = b.last.slice(0, n);
  const count = b.count.length ? b.count.slice(0, n) : new Array<number>(n).fill(1);
  const bucketed = count.some((c) => c > 1);
  const lo = rb.lo !== undefined ? num(rb.lo) : q.range ? q.range[0] : n ? b.x[0] : NaN;
  const hi = rb.hi !== undefined ? num(rb.hi) : q.range ? q.range[1] : n ? b.x[n - 1] : NaN;
  const width = rb.width !== undefined ? num(rb.width) : bucketed ? NaN : 0;
  return {
    runId: rb.id,
    xKey: q.xKey,
    points: q.points,
    range: q.range,
    x: b.x.slice(0, n),
    last,
    min: b.min.length ? b.min.slice(0, n) : last.slice(),
    max: b.max.length ? b.max.slice(0, n) : last.slice(),
    count,
    total: rb.total,
    cursor: rb.cursor,
    lo,
    hi,
    width,
    stale: bucketed && !(width > 0),
  };
}

/** A series without points (a run the server did not know; a start in tests). */
export function emptySeries(runId: string, q: SeriesRequest): RunSeries {
  return fromBuckets({ id: runId, total: 0, cursor: 0, buckets: { x: [], last: [], min: [], max: [], count: [] } }, q);
}

/**
 * The smallest power of two `w` for which `[lo, hi]` meets at most `points` cells `floor(x / w)`.
 * The same steps as store/buckets.py `lattice_width` (keep the two in step): IEEE arithmetic
 * on powers of two is exact, so both sides pick the same width.
 */
export function bucketWidth(lo: number, hi: number, points: number): number {
  if (points < 2) return Infinity;
  const span = hi - lo;
  if (!(span > 0)) return 1;
  const ratio = span / points;
  // A start at or below the answer (log2 may be off by an ulp; the loop does not care).
  let k = ratio > 0 ? Math.floor(Math.log2(ratio)) - 1 : -1074;
  for (;;) {
    const w = 2 ** k;
    const cells = Math.floor(hi / w) - Math.floor(lo / w) + 1;
    if (cells <= points) return w;
    k++;
  }
}

/** The cell of `x` for buckets of `width` (one cell for all when the width is infinite). */
function cell(x: number, width: number): number {
  return width === Infinity ? 0 : Math.floor(x / width);
}

/** min and max as numpy's fmin/fmax: a NaN loses to any number. */
function fmin(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b);
}

function fmax(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b);
}

/** A value as the server sends it in a chart's first answer: float32 (see routes/charts.py). */
export function asSent(y: number): number {
  return Math.abs(y) > 3.0e38 ? y : Math.fround(y);
}

/** First index whose value is greater than `x` (sorted `xs`): where a later equal x goes. */
function upperBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First bucket whose cell is not below `c` (cells rise with x along the buckets). */
function firstCell(xs: readonly number[], c: number, width: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cell(xs[mid], width) < c) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insert(cols: Columns, i: number, x: number, y: number): void {
  cols.x.splice(i, 0, x);
  cols.last.splice(i, 0, y);
  cols.min.splice(i, 0, y);
  cols.max.splice(i, 0, y);
  cols.count.splice(i, 0, 1);
}

/** A point joins the bucket of its cell. A point logged later is sorted after every earlier
 * one of the same x, so it is the bucket's last when its x is the bucket's largest. */
function mergePoint(cols: Columns, x: number, y: number, width: number): void {
  const c = cell(x, width);
  const i = firstCell(cols.x, c, width);
  if (i === cols.x.length || cell(cols.x[i], width) !== c) {
    insert(cols, i, x, y);
    return;
  }
  cols.count[i] += 1;
  cols.min[i] = fmin(cols.min[i], y);
  cols.max[i] = fmax(cols.max[i], y);
  if (x >= cols.x[i]) {
    cols.x[i] = x;
    cols.last[i] = y;
  }
}

/** The buckets (or raw points) regrouped into cells of `width`, a multiple of their own. */
function rebucket(cols: Columns, width: number): Columns {
  const out: Columns = { x: [], last: [], min: [], max: [], count: [] };
  let prev = NaN;
  for (let i = 0; i < cols.x.length; i++) {
    const c = cell(cols.x[i], width);
    const j = out.x.length - 1;
    if (j >= 0 && c === prev) {
      out.x[j] = cols.x[i];
      out.last[j] = cols.last[i];
      out.min[j] = fmin(out.min[j], cols.min[i]);
      out.max[j] = fmax(out.max[j], cols.max[i]);
      out.count[j] += cols.count[i];
    } else {
      out.x.push(cols.x[i]);
      out.last.push(cols.last[i]);
      out.min.push(cols.min[i]);
      out.max.push(cols.max[i]);
      out.count.push(cols.count[i]);
    }
    prev = c;
  }
  return out;
}

/**
 * `s` with raw points appended (in the order they were logged) and the cursor moved on: what
 * the server returns for the same query once those points are stored. Points outside the zoom
 * are left out; `s` itself is unchanged.
 */
export function appendPoints(s: RunSeries, xs: readonly number[], ys: readonly number[], cursor: number): RunSeries {
  const next = Math.max(s.cursor, cursor);
  const range = s.range;
  let cols: Columns | null = null;
  let { total, lo, hi, width, stale } = s;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (!Number.isFinite(x) || (range && (x < range[0] || x > range[1]))) continue;
    const y = asSent(ys[i]);
    cols ??= { x: s.x.slice(), last: s.last.slice(), min: s.min.slice(), max: s.max.slice(), count: s.count.slice() };
    total++;
    if (!range) {
      lo = Number.isNaN(lo) ? x : Math.min(lo, x);
      hi = Number.isNaN(hi) ? x : Math.max(hi, x);
    }
    if (width === 0) insert(cols, upperBound(cols.x, x), x, y);
    else if (width > 0) mergePoint(cols, x, y, width);
    else stale = true;
  }
  if (!cols) return next === s.cursor ? s : { ...s, cursor: next };
  if (!stale && (width > 0 || total > s.points)) {
    // Bucketing the points at a width and the buckets at a multiple of it are the same.
    const w = Math.max(width, bucketWidth(lo, hi, s.points));
    if (w !== width) {
      cols = rebucket(cols, w);
      width = w;
    }
  }
  return { ...s, ...cols, total, cursor: next, lo, hi, width, stale };
}

/** The points of `metric` against `xKey` in live rows from step `after` on, and the next
 * cursor. A row without the x value gives no point (the server pairs x and y of one step). */
export function rowsToPoints(rows: readonly HistoryRow[], metric: string, xKey: string,
                             after: number): { xs: number[]; ys: number[]; cursor: number } {
  const xs: number[] = [];
  const ys: number[] = [];
  let cursor = after;
  for (const row of rows) {
    const step = num(row._step);
    if (!(step >= after)) continue;
    cursor = Math.max(cursor, step + 1);
    if (!(metric in row)) continue;
    const xv = xKey === "_step" ? step : row[xKey];
    if (xv === undefined || xv === null) continue;
    xs.push(num(xv));
    ys.push(num(row[metric]));
  }
  return { xs, ys, cursor };
}
