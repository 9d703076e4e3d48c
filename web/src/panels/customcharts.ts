// Custom charts (heron.plot / wandb.plot): the run config's `_wandb.visualize` entries, and the
// pure functions that turn a chart's table into what the chart draws. W&B's specs are known by
// id; any other spec is shown as its table.
import type { Json } from "../api";

/** A chart logged with `log({key: heron.plot.*(...)})`. */
export interface ChartEntry {
  key: string;
  /** The chart spec's id, e.g. "wandb/line/v0". */
  spec: string;
  /** Spec field -> table column. */
  fields: Record<string, Json>;
  /** Text settings: title, axis titles. */
  strings: Record<string, Json>;
  /** The history key holding the chart's table. */
  tableKey: string;
}

export type ChartKind = "line" | "scatter" | "bar" | "histogram" | "lineseries" | "confusion" | "curve";

const KINDS: Record<string, ChartKind> = {
  "wandb/line/v0": "line",
  "wandb/scatter/v0": "scatter",
  "wandb/bar/v0": "bar",
  "wandb/histogram/v0": "histogram",
  "wandb/lineseries/v0": "lineseries",
  "wandb/confusion_matrix/v0": "confusion",
  "wandb/confusion_matrix/v1": "confusion",
  "wandb/area-under-curve/v0": "curve",
};

/** How Heron draws a spec; null for a spec it does not know (shown as its table). */
export function kindOf(spec: string): ChartKind | null {
  return KINDS[spec] ?? null;
}

type Obj = Record<string, Json>;

function isObj(v: Json | undefined): v is Obj {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

/** W&B keeps config values as `{value: v}` where a client sent them so; Heron unwraps them. */
function unwrap(v: Json | undefined): Json | undefined {
  return isObj(v) && "value" in v && Object.keys(v).every((k) => k === "value" || k === "desc") ? v.value : v;
}

/** The table key a chart's query reads (`summaryTable(tableKey: ...)`), if it names one. */
function queriedTable(panel: Obj): string | null {
  const query = panel.userQuery;
  if (!isObj(query) || !Array.isArray(query.queryFields)) return null;
  for (const field of query.queryFields) {
    if (!isObj(field) || !Array.isArray(field.fields)) continue;
    for (const sub of field.fields) {
      if (!isObj(sub) || sub.name !== "summaryTable" || !Array.isArray(sub.args)) continue;
      for (const arg of sub.args) if (isObj(arg) && arg.name === "tableKey" && typeof arg.value === "string") return arg.value;
    }
  }
  return null;
}

/** The custom charts recorded in a run's config, in the order they were logged. */
export function chartEntries(config: Record<string, Json> | null | undefined): ChartEntry[] {
  const internal = unwrap(config?._wandb);
  const visualize = isObj(internal) ? internal.visualize : undefined;
  if (!isObj(visualize)) return [];
  const out: ChartEntry[] = [];
  for (const [key, value] of Object.entries(visualize)) {
    const panel = isObj(value) ? value.panel_config : undefined;
    if (!isObj(panel) || typeof panel.panelDefId !== "string") continue;
    out.push({
      key,
      spec: panel.panelDefId,
      fields: isObj(panel.fieldSettings) ? panel.fieldSettings : {},
      strings: isObj(panel.stringSettings) ? panel.stringSettings : {},
      tableKey: queriedTable(panel) ?? `${key}_table`,
    });
  }
  return out;
}

export interface ChartTable {
  columns: string[];
  rows: Json[][];
}

/** A field's column index; throws, naming the field and column, when the table lacks it. */
function column(table: ChartTable, fields: Record<string, Json>, field: string): number {
  const name = fields[field];
  const i = typeof name === "string" ? table.columns.indexOf(name) : -1;
  if (i < 0) throw new Error(`the chart's field "${field}" names column ${JSON.stringify(name ?? null)}, which the table (${table.columns.join(", ")}) does not have`);
  return i;
}

function optionalColumn(table: ChartTable, fields: Record<string, Json>, field: string): number | null {
  return fields[field] === null || fields[field] === undefined || fields[field] === "" ? null : column(table, fields, field);
}

function asNumber(v: Json | undefined): number | null {
  if (typeof v === "number") return isFinite(v) ? v : null;
  if (typeof v === "boolean") return v ? 1 : 0;
  return null;
}

export interface XYSeries {
  label: string;
  xs: number[];
  ys: number[];
}

export interface XYChart {
  series: XYSeries[];
  /** Set when x values are text: x is then the index of each text in this list. */
  xCategories: string[] | null;
  xLabel: string;
  yLabel: string;
}

/** Line, scatter, line-series and area-under-curve charts: one series per group of rows
 * (the stroke, lineKey or class column), each sorted by x. */
export function xyChart(kind: ChartKind, fields: Record<string, Json>, strings: Record<string, Json>, table: ChartTable): XYChart {
  const spec = {
    line: ["x", "y", "stroke"],
    scatter: ["x", "y", null],
    lineseries: ["step", "lineVal", "lineKey"],
    curve: ["x", "y", "class"],
  } as Record<string, [string, string, string | null]>;
  const [xf, yf, gf] = spec[kind] ?? spec.line;
  const xi = column(table, fields, xf);
  const yi = column(table, fields, yf);
  const gi = gf === null ? null : optionalColumn(table, fields, gf);
  const textX = table.rows.some((r) => r[xi] !== null && typeof r[xi] === "string");
  const categories: string[] = [];
  const categoryOf = new Map<string, number>();
  const groups = new Map<string, { x: number; y: number }[]>();
  for (const row of table.rows) {
    let x: number | null;
    if (textX) {
      const text = String(row[xi]);
      if (!categoryOf.has(text)) {
        categoryOf.set(text, categories.length);
        categories.push(text);
      }
      x = categoryOf.get(text)!;
    } else x = asNumber(row[xi]);
    const y = asNumber(row[yi]);
    if (x === null || y === null) continue;
    const label = gi === null ? String(fields[yf] ?? "y") : String(row[gi]);
    if (!groups.has(label)) groups.set(label, []);
    groups.get(label)!.push({ x, y });
  }
  const series = [...groups].map(([label, points]) => {
    points.sort((a, b) => a.x - b.x || a.y - b.y);
    return { label, xs: points.map((p) => p.x), ys: points.map((p) => p.y) };
  });
  const text = (k: string, fallback: string) => (typeof strings[k] === "string" && strings[k] ? (strings[k] as string) : fallback);
  return {
    series,
    xCategories: textX ? categories : null,
    xLabel: kind === "lineseries" ? text("xname", "x") : text("x-axis-title", String(fields[xf] ?? "x")),
    yLabel: kind === "lineseries" ? "" : text("y-axis-title", String(fields[yf] ?? "y")),
  };
}

/**
 * uPlot's aligned data for series with x values of their own: one x slot per point (sorted,
 * so equal x values, as in an ROC curve's vertical steps, stay separate points), each series
 * holding its y at its own slots and null at the others' (drawn across with spanGaps).
 */
export function alignSeries(series: XYSeries[]): (number | null)[][] {
  const points: { x: number; s: number; y: number }[] = [];
  series.forEach((line, s) => line.xs.forEach((x, i) => points.push({ x, s, y: line.ys[i] })));
  points.sort((a, b) => a.x - b.x || a.s - b.s);
  const data: (number | null)[][] = [points.map((p) => p.x), ...series.map(() => new Array<number | null>(points.length).fill(null))];
  points.forEach((p, i) => (data[p.s + 1][i] = p.y));
  return data;
}

/** The index of the value in ascending `xs` nearest to `x` (-1 when empty). */
export function nearestIndex(xs: number[], x: number): number {
  if (!xs.length) return -1;
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && Math.abs(xs[lo - 1] - x) <= Math.abs(xs[lo] - x) ? lo - 1 : lo;
}

export interface Bars {
  labels: string[];
  values: number[];
  /** Set for a histogram: bar i counts the values in [edges[i], edges[i + 1]). */
  edges: number[] | null;
  valueLabel: string;
}

/** A bar chart's bars: one per row, in the table's order. */
export function barChart(fields: Record<string, Json>, table: ChartTable): Bars {
  const li = column(table, fields, "label");
  const vi = column(table, fields, "value");
  const labels: string[] = [];
  const values: number[] = [];
  for (const row of table.rows) {
    const v = asNumber(row[vi]);
    if (v === null) continue;
    labels.push(String(row[li]));
    values.push(v);
  }
  return { labels, values, edges: null, valueLabel: String(fields.value) };
}

/** A histogram of a column's numbers: equal-width bins over their range, about √n of them
 * (5 to 30), as a chart would pick by default. */
export function histogramChart(fields: Record<string, Json>, table: ChartTable, fmt: (v: number) => string): Bars {
  const vi = column(table, fields, "value");
  const values = table.rows.map((r) => asNumber(r[vi])).filter((v): v is number => v !== null);
  if (!values.length) return { labels: [], values: [], edges: [], valueLabel: "count" };
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const bins = lo === hi ? 1 : Math.min(30, Math.max(5, Math.round(Math.sqrt(values.length))));
  const width = lo === hi ? 1 : (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (lo === hi ? lo - 0.5 + i : lo + i * width));
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor(lo === hi ? 0 : (v - lo) / width))] += 1;
  return {
    labels: counts.map((_, i) => `${fmt(edges[i])} – ${fmt(edges[i + 1])}`),
    values: counts,
    edges,
    valueLabel: "count",
  };
}

export interface ConfusionGrid {
  /** Row labels (true classes) and column labels (predicted classes), in table order. */
  actual: string[];
  predicted: string[];
  /** counts[row][col]. */
  counts: number[][];
  max: number;
}

/** A confusion matrix's grid of counts, classes in the order the table first names them. */
export function confusionGrid(fields: Record<string, Json>, table: ChartTable): ConfusionGrid {
  const ai = column(table, fields, "Actual");
  const pi = column(table, fields, "Predicted");
  const ni = column(table, fields, "nPredictions");
  const actual: string[] = [];
  const predicted: string[] = [];
  const cells = new Map<string, number>();
  for (const row of table.rows) {
    const a = String(row[ai]);
    const p = String(row[pi]);
    if (!actual.includes(a)) actual.push(a);
    if (!predicted.includes(p)) predicted.push(p);
    const key = JSON.stringify([a, p]);
    cells.set(key, (cells.get(key) ?? 0) + (asNumber(row[ni]) ?? 0));
  }
  const counts = actual.map((a) => predicted.map((p) => cells.get(JSON.stringify([a, p])) ?? 0));
  return { actual, predicted, counts, max: Math.max(0, ...counts.flat()) };
}
