// What a chart draws, as pure functions: runs' series (series.ts) merged onto one x axis for
// uPlot, smoothed, on a log scale or grouped. The server owns the bucketing; the browser only
// smooths (a display choice) and aligns. LineChart.tsx draws the result and nothing else.
import type { MetricDef, Run } from "../api";
import type { RunSeries } from "./series";

export interface ChartSettings {
  x: XChoice;
  smoothing: number;
  logY: boolean;
}

export interface ChartRun {
  run: Run;
  color: string;
}

/** Exponential moving average with W&B's debiasing; `weight` in [0, 1). NaN passes through. */
export function ema(ys: readonly number[], weight: number): readonly number[] {
  if (weight <= 0) return ys;
  const out = new Array<number>(ys.length);
  let acc = 0;
  let n = 0;
  for (let i = 0; i < ys.length; i++) {
    const y = ys[i];
    if (!isFinite(y)) {
      out[i] = y;
      continue;
    }
    acc = acc * weight + (1 - weight) * y;
    n++;
    out[i] = acc / (1 - Math.pow(weight, n));
  }
  return out;
}

function globMatch(pattern: string, key: string): boolean {
  if (!pattern.includes("*")) return pattern === key;
  const re = new RegExp(
    "^" + pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*") + "$",
  );
  return re.test(key);
}

/** The definition that applies to `key`: an exact name first, then the first matching glob. */
export function metricDef(metrics: Record<string, MetricDef> | undefined, key: string): MetricDef | undefined {
  if (!metrics) return undefined;
  if (metrics[key]) return metrics[key];
  for (const [pattern, def] of Object.entries(metrics)) if (globMatch(pattern, key)) return def;
  return undefined;
}

export type XChoice = "_step" | "_timestamp" | "_runtime" | string;

/** The x axis a chart of `key` uses: the chosen one, except that "step" respects step_metric. */
export function resolveX(choice: XChoice, key: string, metrics: Record<string, MetricDef> | undefined,
                         stream: "history" | "system"): string {
  if (stream === "system") return choice === "_step" ? "_runtime" : choice;
  if (choice === "_step") return metricDef(metrics, key)?.step_metric ?? "_step";
  return choice;
}

/**
 * Buckets per run a chart asks for, from its plot width: the next power of two (about one to
 * two per pixel; buckets of a power-of-two width then number half to all of it). A chart a few
 * pixels wider or narrower (a scrollbar) asks for the same, so it draws the same buckets.
 */
export function pointsFor(plotWidth: number, fullscreen: boolean): number {
  const px = plotWidth > 0 ? plotWidth : fullscreen ? 1400 : 400;
  return 2 ** Math.min(12, Math.max(7, Math.ceil(Math.log2(px))));
}

export interface Aligned {
  x: Float64Array;
  /** Per run: y values on the merged x (null where the run has no point). */
  cols: { runId: string; last: (number | null)[]; raw: (number | null)[] | null;
          min: (number | null)[] | null; max: (number | null)[] | null }[];
}

/** Merge runs onto one sorted x axis (uPlot's data shape). */
export function align(series: readonly RunSeries[], smoothing: number, logY: boolean): Aligned {
  let total = 0;
  for (const s of series) total += s.x.length;
  const all = new Float64Array(total);
  let k = 0;
  for (const s of series) for (const x of s.x) all[k++] = x;
  all.sort();
  let u = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) all[u++] = all[i];
  const xs = all.slice(0, u);
  const ok = (v: number): number | null => (!isFinite(v) || (logY && v <= 0) ? null : v);
  const cols = series.map((s) => {
    const last: (number | null)[] = new Array(u).fill(null);
    const bucketed = s.count.some((c) => c > 1);
    const min: (number | null)[] | null = bucketed ? new Array(u).fill(null) : null;
    const max: (number | null)[] | null = bucketed ? new Array(u).fill(null) : null;
    const raw: (number | null)[] | null = smoothing > 0 ? new Array(u).fill(null) : null;
    const sm = ema(s.last, smoothing);
    let j = 0;
    for (let i = 0; i < s.x.length; i++) {
      while (j < u && xs[j] < s.x[i]) j++;
      if (j >= u) break;
      last[j] = ok(sm[i]);
      if (raw) raw[j] = ok(s.last[i]);
      if (min && max) {
        min[j] = ok(s.min[i]);
        max[j] = ok(s.max[i]);
      }
    }
    return { runId: s.runId, last, raw, min, max };
  });
  return { x: xs, cols };
}

/** Index of the point of `xs` nearest to `x` (xs sorted ascending), or -1 when empty. */
export function nearest(xs: readonly number[], x: number): number {
  if (!xs.length) return -1;
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(xs[lo - 1] - x) <= Math.abs(xs[lo] - x)) return lo - 1;
  return lo;
}

export interface Group {
  key: string;
  label: string;
  color: string;
  runIds: string[];
}

/** Value of `s` at `x` by linear interpolation inside the run's range (null outside it). */
function interp(xs: readonly number[], ys: readonly number[], x: number, hint: { i: number }): number | null {
  const n = xs.length;
  if (!n || x < xs[0] || x > xs[n - 1]) return null;
  let i = hint.i;
  while (i < n - 1 && xs[i + 1] <= x) i++;
  hint.i = i;
  if (xs[i] === x || i === n - 1) return isFinite(ys[i]) ? ys[i] : null;
  const t = (x - xs[i]) / (xs[i + 1] - xs[i]);
  const v = ys[i] + t * (ys[i + 1] - ys[i]);
  return isFinite(v) ? v : null;
}

/** Runs grouped (by a config value): per group the mean line and the min-max band across runs. */
export function alignGroups(data: ReadonlyMap<string, RunSeries>, groups: readonly Group[], smoothing: number, logY: boolean): Aligned {
  const members = groups.map((g) => g.runIds.map((id) => data.get(id)).filter((s): s is RunSeries => !!s));
  const flatSeries = members.flat();
  const base = align(flatSeries, 0, false);
  const xs = base.x;
  const ok = (v: number | null): number | null => (v === null || !isFinite(v) || (logY && v <= 0) ? null : v);
  const cols = groups.map((g, gi) => {
    const runs = members[gi].map((s) => ({ x: s.x, y: ema(s.last, smoothing), hint: { i: 0 } }));
    const mean: (number | null)[] = new Array(xs.length).fill(null);
    const min: (number | null)[] = new Array(xs.length).fill(null);
    const max: (number | null)[] = new Array(xs.length).fill(null);
    for (let j = 0; j < xs.length; j++) {
      let sum = 0;
      let n = 0;
      let lo = Infinity;
      let hi = -Infinity;
      for (const r of runs) {
        const v = interp(r.x, r.y, xs[j], r.hint);
        if (v === null) continue;
        sum += v;
        n++;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (n) {
        mean[j] = ok(sum / n);
        if (runs.length > 1) {
          min[j] = ok(lo);
          max[j] = ok(hi);
        }
      }
    }
    const band = runs.length > 1;
    return { runId: g.key, last: mean, raw: null, min: band ? min : null, max: band ? max : null };
  });
  return { x: xs, cols };
}

/** What one drawn series is: a run's (or group's) line, its faint unsmoothed line, or an edge of
 * its min-max band. */
export type LineRole = "line" | "raw" | "edge";

export interface PlotLine {
  role: LineRole;
  /** Run id, or group key when grouped. */
  key: string;
  label: string;
  color: string;
}

export interface Plot {
  /** uPlot's data: the shared x, then one column per entry of `lines`. */
  data: (number | null)[][];
  lines: PlotLine[];
  /** Min-max bands: indexes into `data` of the upper and lower edge. */
  bands: { hi: number; lo: number; color: string }[];
  /** Index into `data` of each run's (or group's) main line. */
  index: Map<string, number>;
  /** The series drawn (not their values): when it changes, the chart is built again. */
  shape: string;
}

/** Everything a chart draws from its runs' series and the page's chart settings. */
export function plotData(runs: readonly ChartRun[], series: ReadonlyMap<string, RunSeries>,
                         groups: readonly Group[] | null, smoothing: number, logY: boolean): Plot {
  const shown = runs.map((r) => series.get(r.run.id)).filter((s): s is RunSeries => !!s);
  const al = groups ? alignGroups(series, groups, smoothing, logY) : align(shown, smoothing, logY);
  const groupBy = new Map((groups ?? []).map((g) => [g.key, g]));
  const runBy = new Map(runs.map((r) => [r.run.id, r]));
  const data: (number | null)[][] = [Array.from(al.x)];
  const lines: PlotLine[] = [];
  const bands: Plot["bands"] = [];
  const index = new Map<string, number>();
  for (const c of al.cols) {
    const g = groupBy.get(c.runId);
    const r = runBy.get(c.runId);
    const color = g ? g.color : r?.color ?? "#888";
    const label = g ? g.label : r?.run.name ?? c.runId;
    if (c.raw) {
      data.push(c.raw);
      lines.push({ role: "raw", key: c.runId, label, color });
    }
    index.set(c.runId, data.length);
    data.push(c.last);
    lines.push({ role: "line", key: c.runId, label, color });
    if (c.min && c.max) {
      bands.push({ hi: data.length, lo: data.length + 1, color });
      data.push(c.max, c.min);
      lines.push({ role: "edge", key: c.runId, label, color }, { role: "edge", key: c.runId, label, color });
    }
  }
  const shape = [groups ? "g" : "r", ...lines.map((l) => `${l.role}:${l.key}:${l.color}:${l.label}`)].join("|");
  return { data, lines, bands, index, shape };
}
