// The runs a page's charts draw and the x axes it offers: one way for the workspace (many runs)
// and the run page (one), so both pages' charts of the same run are the same charts.
import { useRef } from "preact/hooks";
import type { Json, Run } from "../api";
import type { ChartRun } from "./chartdata";
import { numericSummary } from "./keys";

/** Runs whose summaries are read for x axes (a workspace may hold thousands). */
const SAMPLE = 500;

function numericKeys(summary: Record<string, Json>, prefix: string, out: Set<string>): void {
  for (const [k, v] of Object.entries(summary)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (key.startsWith("_")) continue;
    if (numericSummary(v)) out.add(key);
    else if (v && typeof v === "object" && !Array.isArray(v) && !("_type" in v)) numericKeys(v, key, out);
  }
}

/** Metrics a chart's x axis can be: numbers the runs logged (their summaries say which; a
 * define_metric summary of min/max/... counts once), the most common first. */
export function xAxisChoices(runs: readonly Run[]): string[] {
  const counts = new Map<string, number>();
  for (const r of runs.slice(0, SAMPLE)) {
    const keys = new Set<string>();
    numericKeys(r.summary ?? {}, "", keys);
    for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map((e) => e[0]);
}

/** What a chart needs to know of a run: when none of it changes, the charts keep their runs. */
function chartSig(r: Run, color: string): string {
  return `${r.id}:${r.state}:${r.name}:${color}:${JSON.stringify(r.metrics ?? {})}`;
}

/** The runs with their colours, as one list that keeps its identity until something a chart
 * shows changes (a new last step does not: the live feed brings the points). */
export function useChartRuns(runs: readonly Run[], colorOf: (id: string) => string): ChartRun[] {
  const cache = useRef<{ sig: string; list: ChartRun[] }>({ sig: "", list: [] });
  const sig = runs.map((r) => chartSig(r, colorOf(r.id))).join("|");
  if (cache.current.sig !== sig) {
    cache.current = { sig, list: runs.map((r) => ({ run: r, color: colorOf(r.id) })) };
  }
  return cache.current.list;
}
