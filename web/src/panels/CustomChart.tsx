// The custom charts of the runs on a page (heron.plot / wandb.plot): each `_wandb.visualize`
// entry of a run's config drawn from its logged table: lines, scatter and curves with uPlot (hover values,
// legend), bars and histograms as bars, a confusion matrix as a grid of counts. A spec Heron
// does not know is shown as its table, naming the spec.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { api, type LiveFeed } from "../api";
import { PALETTE } from "../colors";
import { fmtNum, fmtValue } from "../format";
import { isAbort } from "../limit";
import { safeMediaPath } from "../mediapath";
import { cssVar, useTheme } from "../theme";
import {
  alignSeries, barChart, chartEntries, confusionGrid, histogramChart, kindOf, nearestIndex, xyChart,
  type Bars, type ChartEntry, type ChartTable, type ConfusionGrid, type XYChart,
} from "./customcharts";
import type { ChartRun } from "./chartdata";
import { isTableFile, useMediaRows } from "./media";
import { fillTip, placeTip, type TipRow } from "./tooltip";
import "./CustomChart.css";

const PLOT_H = 220;
const PAGE = 1000;
/** W&B's table limit: a chart's table holds at most this many rows. */
const MAX_ROWS = 10_000;

/** One chart key and the runs that logged a chart under it (the newest entry of each). */
interface KeyedCharts {
  key: string;
  byRun: { run: ChartRun; entry: ChartEntry }[];
}

/** Every custom chart of the runs, by key, in a section of its own (nothing when there are
 * none); a key logged by several runs shows one run at a time, picked in the panel. */
export function CustomCharts(props: { project: string; runs: ChartRun[]; feed: LiveFeed | null; filter?: string }) {
  const configs = props.runs.map((r) => r.run.config);
  const keyed = useMemo(() => {
    const out = new Map<string, KeyedCharts>();
    for (const run of props.runs) {
      for (const entry of chartEntries(run.run.config)) {
        if (!out.has(entry.key)) out.set(entry.key, { key: entry.key, byRun: [] });
        out.get(entry.key)!.byRun.push({ run, entry });
      }
    }
    return [...out.values()];
  }, [props.runs.map((r) => r.run.id).join(","), ...configs]);
  const [closed, setClosed] = useState(false);
  const q = (props.filter ?? "").trim().toLowerCase();
  const shown = q ? keyed.filter((k) => k.key.toLowerCase().includes(q)) : keyed;
  if (!shown.length) return null;
  return (
    <section class="section custom-charts" data-section="custom-charts">
      <button class="section-head" aria-expanded={!closed} onClick={() => setClosed(!closed)}>
        <span class={`caret${closed ? "" : " open"}`}>▸</span>
        <span class="section-name">Custom charts</span>
        <span class="section-count">{shown.length}</span>
      </button>
      {!closed && (
        <div class="panels">
          {shown.map((k) => (
            <div class="panel" key={k.key}>
              <RunsChart project={props.project} charts={k} feed={props.feed} />
            </div>
          ))}
        </div>
      )}
    </section>
  );
}

function RunsChart(props: { project: string; charts: KeyedCharts; feed: LiveFeed | null }) {
  const [runId, setRunId] = useState<string | null>(null);
  const { byRun } = props.charts;
  const current = byRun.find((c) => c.run.run.id === runId) ?? byRun[0];
  const picker = byRun.length > 1 && (
    <select class="select select-sm" aria-label="Run" value={current.run.run.id} onChange={(e) => setRunId((e.target as HTMLSelectElement).value)}>
      {byRun.map((c) => <option value={c.run.run.id} key={c.run.run.id}>{c.run.run.name}</option>)}
    </select>
  );
  return <CustomChart key={current.run.run.id} project={props.project} runId={current.run.run.id} entry={current.entry} feed={props.feed} tools={picker || null} />;
}

/** The newest logged version of the chart's table, read page by page (up to MAX_ROWS rows). */
function useChartTable(project: string, runId: string, tableKey: string, feed: LiveFeed | null) {
  const { rows, error } = useMediaRows(project, tableKey, [runId], feed, 200);
  const values = rows?.[0]?.values ?? [];
  const ref = [...values].reverse().find(isTableFile);
  const path = ref?.path ?? null;
  const [table, setTable] = useState<ChartTable | null>(null);
  const [total, setTotal] = useState(0);
  const [loadError, setLoadError] = useState<string | null>(null);
  useEffect(() => {
    if (!path) return;
    if (safeMediaPath(path) === null) {
      setLoadError(`the table's path ${JSON.stringify(path)} is not one of the server's media files`);
      return;
    }
    const ctrl = new AbortController();
    (async () => {
      const out: ChartTable = { columns: [], rows: [] };
      let all = 0;
      for (let offset = 0; offset < MAX_ROWS; offset += PAGE) {
        const page = await api.tablePage(path, { offset, limit: PAGE }, ctrl.signal);
        out.columns = page.columns.map(String);
        for (const r of page.rows) out.rows.push(Array.isArray(r.cells) ? r.cells : []);
        all = page.total;
        if (offset + PAGE >= page.total) break;
      }
      if (ctrl.signal.aborted) return;
      setTable(out);
      setTotal(all);
      setLoadError(null);
    })().catch((e: Error) => !isAbort(e) && !ctrl.signal.aborted && setLoadError(e.message));
    return () => ctrl.abort();
  }, [path]);
  const missing = rows !== null && !ref;
  return { table, total, error: error ?? loadError, missing };
}

export function CustomChart(props: { project: string; runId: string; entry: ChartEntry; feed: LiveFeed | null; tools?: preact.ComponentChildren }) {
  const { entry } = props;
  const kind = kindOf(entry.spec);
  const { table, total, error, missing } = useChartTable(props.project, props.runId, entry.tableKey, props.feed);
  const title = typeof entry.strings.title === "string" && entry.strings.title ? entry.strings.title : entry.key;
  let body: preact.ComponentChildren = null;
  let problem = error ?? (missing ? `no table was logged under ${JSON.stringify(entry.tableKey)}` : null);
  if (table && !problem) {
    try {
      if (kind === "confusion") body = <ConfusionMatrix grid={confusionGrid(entry.fields, table)} />;
      else if (kind === "bar") body = <BarPlot bars={barChart(entry.fields, table)} />;
      else if (kind === "histogram") body = <BarPlot bars={histogramChart(entry.fields, table, fmtNum)} />;
      else if (kind === null) body = <SpecTable spec={entry.spec} table={table} />;
      else body = <XYPlot chart={xyChart(kind, entry.fields, entry.strings, table)} points={kind === "scatter"} />;
    } catch (e) {
      problem = (e as Error).message;
    }
  }
  return (
    <div class="chart custom-chart" data-chart={entry.key} data-spec={entry.spec} data-kind={kind ?? "table"}>
      <div class="chart-head">
        <span class="chart-title" title={`${title} (${entry.key})`}>{title}</span>
        <span class="chart-sub" title={`logged as ${entry.key}; table ${entry.tableKey}`}>{entry.spec}</span>
        {props.tools && <span class="chart-tools">{props.tools}</span>}
      </div>
      {problem && <div class="custom-chart-msg chart-err">Cannot draw this chart: {problem}</div>}
      {!problem && !table && <div class="custom-chart-msg">Loading…</div>}
      {!problem && body}
      {!problem && table && total > table.rows.length && (
        <div class="muted custom-chart-note">Drawn from the first {table.rows.length.toLocaleString()} of {total.toLocaleString()} rows.</div>
      )}
    </div>
  );
}

function axisStyle(): Partial<uPlot.Axis> {
  const grid = cssVar("--grid") || "rgba(0,0,0,0.08)";
  return { stroke: cssVar("--fg-muted") || "#666", font: "11px system-ui, sans-serif", grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
}

/** The hover box: a heading and one row per series, beside the cursor. */
function showTip(tip: HTMLDivElement, u: uPlot, head: string, rows: TipRow[]) {
  if ((u.cursor.left ?? -1) < 0 || !rows.length) {
    tip.style.display = "none";
    return;
  }
  fillTip(tip, head, rows);
  placeTip(tip, u);
}

/** A uPlot chart in a div, rebuilt when `build`'s inputs change, resized with its panel. */
function usePlot(build: (el: HTMLElement) => uPlot, deps: unknown[]) {
  const theme = useTheme();
  const plotRef = useRef<HTMLDivElement>(null);
  const uRef = useRef<uPlot | null>(null);
  useLayoutEffect(() => {
    const el = plotRef.current;
    if (!el) return;
    uRef.current?.destroy();
    uRef.current = build(el);
    el.dataset.drawn = "1";
  }, [theme, ...deps]);
  useEffect(() => () => uRef.current?.destroy(), []);
  useEffect(() => {
    const el = plotRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => {
      const u = uRef.current;
      const w = Math.max(100, el.clientWidth);
      if (u && Math.abs(w - u.width) > 1) u.setSize({ width: w, height: PLOT_H });
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return { plotRef, uRef };
}

/** A scale's range: [lo, hi], widened by 5% each side for points (half of a dot on the
 * edge would be cut off), and around a single value. */
function padded(lo: number, hi: number, points: boolean): uPlot.Range.MinMax {
  if (lo === hi) return [lo - 1, hi + 1];
  const pad = points ? (hi - lo) * 0.05 : 0;
  return [lo - pad, hi + pad];
}

function XYPlot({ chart, points }: { chart: XYChart; points: boolean }) {
  const tipRef = useRef<HTMLDivElement>(null);
  const color = (i: number) => PALETTE[i % PALETTE.length];
  const fmtX = (v: number) => (chart.xCategories ? chart.xCategories[Math.round(v)] ?? "" : fmtNum(v));
  const { plotRef, uRef } = usePlot((el) => {
    const opts: uPlot.Options = {
      width: Math.max(100, el.clientWidth),
      height: PLOT_H,
      legend: { show: false },
      cursor: { points: { size: 6 }, focus: { prox: 16 }, drag: { x: true, y: false } },
      focus: { alpha: 0.35 },
      // Points are padded in from the edges, where half of each dot would be cut off.
      scales: {
        x: { time: false, range: (_u, lo, hi) => padded(lo, hi, points) },
        ...(points ? { y: { range: (_u: uPlot, lo: number, hi: number) => padded(lo, hi, true) } } : {}),
      },
      axes: [
        { ...axisStyle(), label: chart.xLabel, labelSize: 16, values: (_u, vals) => vals.map(fmtX) },
        { ...axisStyle(), label: chart.yLabel || undefined, labelSize: chart.yLabel ? 16 : 0, size: 48, values: (_u, vals) => vals.map((v) => fmtNum(+v.toPrecision(4))) },
      ],
      series: [
        {},
        ...chart.series.map((s, i): uPlot.Series => ({
          label: s.label,
          stroke: color(i),
          width: points ? 0 : 1.5,
          spanGaps: true,
          paths: points ? () => null : undefined,
          points: points ? { show: true, size: 7, fill: color(i), stroke: color(i) } : { show: s.xs.length === 1 },
        })),
      ],
      hooks: {
        setCursor: [(u) => {
          if (!tipRef.current) return;
          const x = u.posToVal(u.cursor.left ?? 0, "x");
          const rows: TipRow[] = [];
          chart.series.forEach((s, i) => {
            const at = nearestIndex(s.xs, x);
            if (at >= 0) rows.push({ color: color(i), name: s.label, value: `${fmtNum(s.ys[at])}  (x ${fmtX(s.xs[at])})` });
          });
          showTip(tipRef.current, u, `${chart.xLabel} ${fmtX(x)}`, rows.slice(0, 20));
        }],
      },
    };
    const u = new uPlot(opts, alignSeries(chart.series) as uPlot.AlignedData, el);
    u.over.addEventListener("mouseleave", () => tipRef.current && (tipRef.current.style.display = "none"));
    return u;
  }, [chart, points]);
  const focus = (i: number | null) => uRef.current?.setSeries(i === null ? null : i + 1, { focus: i !== null });
  return (
    <>
      <div class="chart-plot" style={{ height: `${PLOT_H}px` }}>
        <div ref={plotRef} class="chart-canvas" />
        <div ref={tipRef} class="chart-tip" />
      </div>
      <div class="legend">
        {chart.series.map((s, i) => (
          <span class="legend-item" key={s.label} data-series={s.label} data-points={s.xs.length} onMouseEnter={() => focus(i)} onMouseLeave={() => focus(null)}>
            <span class="swatch" style={{ background: color(i) }} />
            <span class="legend-name">{s.label}</span>
          </span>
        ))}
      </div>
    </>
  );
}

function BarPlot({ bars }: { bars: Bars }) {
  const tipRef = useRef<HTMLDivElement>(null);
  const color = PALETTE[0];
  const histogram = bars.edges !== null;
  const xs = bars.values.map((_, i) => (histogram ? (bars.edges![i] + bars.edges![i + 1]) / 2 : i));
  const { plotRef } = usePlot((el) => {
    const lo = histogram ? bars.edges![0] : -0.5;
    const hi = histogram ? bars.edges![bars.edges!.length - 1] : bars.values.length - 0.5;
    const opts: uPlot.Options = {
      width: Math.max(100, el.clientWidth),
      height: PLOT_H,
      legend: { show: false },
      cursor: { points: { show: false }, drag: { x: false, y: false } },
      scales: { x: { time: false, range: () => [lo, hi] }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] } },
      axes: [
        histogram
          ? { ...axisStyle(), values: (_u, vals) => vals.map((v) => fmtNum(+v.toPrecision(4))) }
          : { ...axisStyle(), splits: () => xs, values: (_u, vals) => vals.map((v) => bars.labels[Math.round(v)] ?? "") },
        { ...axisStyle(), size: 48, values: (_u, vals) => vals.map((v) => fmtNum(+v.toPrecision(4))) },
      ],
      series: [
        {},
        {
          label: bars.valueLabel,
          stroke: color,
          fill: `${color}b0`,
          width: 1,
          paths: uPlot.paths.bars!({ size: [histogram ? 0.96 : 0.7, Infinity], gap: 1 }),
          points: { show: false },
        },
      ],
      hooks: {
        setCursor: [(u) => {
          if (!tipRef.current) return;
          const i = nearestIndex(xs, u.posToVal(u.cursor.left ?? 0, "x"));
          const rows = i < 0 ? [] : [{ color, name: bars.valueLabel, value: fmtNum(bars.values[i]) }];
          showTip(tipRef.current, u, i < 0 ? "" : bars.labels[i], rows);
        }],
      },
    };
    const u = new uPlot(opts, [xs, bars.values] as uPlot.AlignedData, el);
    u.over.addEventListener("mouseleave", () => tipRef.current && (tipRef.current.style.display = "none"));
    return u;
  }, [bars]);
  return (
    <>
      <div class="chart-plot" style={{ height: `${PLOT_H}px` }} data-bars={bars.values.length}>
        <div ref={plotRef} class="chart-canvas" />
        <div ref={tipRef} class="chart-tip" />
      </div>
      <div class="legend">
        <span class="legend-item">
          <span class="swatch" style={{ background: color }} />
          <span class="legend-name">{histogram ? `${bars.values.reduce((a, b) => a + b, 0)} values in ${bars.values.length} bins` : bars.valueLabel}</span>
        </span>
      </div>
    </>
  );
}

/** True classes down, predicted classes across; each cell's shade grows with its count. */
function ConfusionMatrix({ grid }: { grid: ConfusionGrid }) {
  const [hover, setHover] = useState<[number, number] | null>(null);
  return (
    <div class="confusion-wrap">
      <table class="confusion">
        <thead>
          <tr>
            <th class="confusion-corner">Actual ↓ · Predicted →</th>
            {grid.predicted.map((p, j) => (
              <th key={j} class={hover?.[1] === j ? "confusion-hot" : ""} scope="col">{p}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {grid.actual.map((a, i) => (
            <tr key={i}>
              <th scope="row" class={hover?.[0] === i ? "confusion-hot" : ""}>{a}</th>
              {grid.counts[i].map((n, j) => {
                const share = grid.max > 0 ? n / grid.max : 0;
                return (
                  <td
                    key={j}
                    class={`confusion-cell${grid.actual[i] === grid.predicted[j] ? " confusion-diag" : ""}${share > 0.55 ? " confusion-dark" : ""}`}
                    style={{ background: `color-mix(in srgb, var(--accent) ${Math.round(share * 85)}%, transparent)` }}
                    title={`Actual ${a}, predicted ${grid.predicted[j]}: ${fmtNum(n)}`}
                    data-actual={a}
                    data-predicted={grid.predicted[j]}
                    data-count={n}
                    onMouseEnter={() => setHover([i, j])}
                    onMouseLeave={() => setHover(null)}
                  >
                    {fmtNum(n)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <div class="muted custom-chart-note">
        {hover
          ? `Actual ${grid.actual[hover[0]]}, predicted ${grid.predicted[hover[1]]}: ${fmtNum(grid.counts[hover[0]][hover[1]])}`
          : `${fmtNum(grid.counts.flat().reduce((s, n) => s + n, 0))} predictions`}
      </div>
    </div>
  );
}

const SHOWN_ROWS = 50;

/** A chart spec Heron cannot draw: its table, and which spec it was for. */
function SpecTable({ spec, table }: { spec: string; table: ChartTable }) {
  return (
    <div class="custom-spec-table">
      <div class="custom-chart-note">
        Heron does not draw the chart spec <code>{spec}</code>; its table is shown instead.
      </div>
      <div class="ltable-wrap">
        <table class="table ltable">
          <thead>
            <tr>{table.columns.map((c, i) => <th key={i}>{c}</th>)}</tr>
          </thead>
          <tbody>
            {table.rows.slice(0, SHOWN_ROWS).map((r, i) => (
              <tr key={i}>{table.columns.map((_c, j) => <td key={j}>{fmtValue(r[j] ?? null)}</td>)}</tr>
            ))}
          </tbody>
        </table>
      </div>
      {table.rows.length > SHOWN_ROWS && <div class="muted custom-chart-note">First {SHOWN_ROWS} of {table.rows.length} rows.</div>}
    </div>
  );
}
