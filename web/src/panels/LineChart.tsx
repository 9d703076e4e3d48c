// A time-series panel: one line per run (min-max band when bucketed), drag-zoom, hover for every
// run. It only draws: useChartSeries keeps the runs' series current (first load, live feed, zoom)
// and plotData (chartdata.ts) turns them into what uPlot draws.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import type { LiveFeed, Stream } from "../api";
import { csvCell, downloadBlob, safeFilename } from "../download";
import { dateTime, duration, fmtNum, shortFloat } from "../format";
import { cssVar, useTheme } from "../theme";
import { ema, nearest, plotData, pointsFor, resolveX, type ChartRun, type ChartSettings, type Group, type LineRole, type Plot } from "./chartdata";
import type { RunSeries } from "./series";
import { fillTip, placeTip } from "./tooltip";
import { useChartSeries, type Zoom } from "./useChartSeries";

interface Props {
  project: string;
  metric: string;
  stream: Stream;
  runs: ChartRun[];
  /** Runs grouped by a config value: one mean line and min-max band per group. */
  groups?: Group[] | null;
  settings: ChartSettings;
  feed: LiveFeed | null;
  height: number;
  /** Poll `series?after=cursor` for running runs (system metrics, which the feed does not carry). */
  poll?: boolean;
  fullscreen?: boolean;
  onFullscreen?: () => void;
  onClose?: () => void;
  /** Called when the first load found no point for any run (a summary-only key). */
  onEmpty?: (metric: string) => void;
}

function xLabel(x: string): string {
  if (x === "_step") return "Step";
  if (x === "_timestamp") return "Wall time";
  if (x === "_runtime") return "Relative time";
  return x;
}

function fmtX(x: string, v: number): string {
  if (x === "_timestamp") return dateTime(v);
  if (x === "_runtime") return duration(v);
  return fmtNum(v);
}

function compact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${+(v / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a !== 0 && a < 1e-3) return v.toExponential(1);
  return String(+v.toPrecision(4));
}

function runtimeTick(v: number): string {
  if (Math.abs(v) < 120) return `${+v.toPrecision(3)}s`;
  if (Math.abs(v) < 7200) return `${+(v / 60).toPrecision(3)}m`;
  return `${+(v / 3600).toPrecision(3)}h`;
}

function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

/** How each kind of line looks; with few lines a band's edges are drawn too, so a one-bucket
 * spike stays visible. */
function lineStyle(role: LineRole, color: string, label: string, fewLines: boolean): uPlot.Series {
  const common = { points: { show: false }, spanGaps: true };
  if (role === "raw") return { ...common, stroke: withAlpha(color, 0.28), width: 1 };
  if (role === "line") return { ...common, label, stroke: color, width: 1.5 };
  return fewLines ? { ...common, stroke: withAlpha(color, 0.45), width: 1 } : { ...common, stroke: "transparent", width: 0 };
}

export function LineChart(props: Props) {
  const { project, metric, stream, runs, settings, feed, height } = props;
  const theme = useTheme();
  const wrapRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<HTMLDivElement>(null);
  const tipRef = useRef<HTMLDivElement>(null);
  const uRef = useRef<uPlot | null>(null);
  const shapeRef = useRef("");
  const [zoom, setZoom] = useState<Zoom>(null);
  const groups = props.groups && props.groups.length ? props.groups : null;

  const state = useChartSeries({
    project, metric, stream, runs, x: settings.x, zoom, feed, poll: !!props.poll,
    // (the plot area: the panel less the y axis)
    points: () => pointsFor((wrapRef.current?.clientWidth ?? 0) - 64, !!props.fullscreen),
  });
  const { series, loading, error } = state;
  const xKey = resolveX(settings.x, metric, runs[0]?.run.metrics, stream);
  const plot = useMemo(
    () => plotData(runs, series, groups, settings.smoothing, settings.logY),
    [runs, series, groups, settings.smoothing, settings.logY],
  );

  // What uPlot's hooks (made once per plot) read when they fire.
  const latest = useRef({ series, runs, groups, settings, xKey, plot, zoom });
  latest.current = { series, runs, groups, settings, xKey, plot, zoom };

  const loadingNow = useRef(loading);
  loadingNow.current = loading;

  // Runs with points at the whole-run scale: kept in the legend when a zoom leaves them empty.
  const seen = useRef(new Set<string>());
  if (!zoom) for (const [id, s] of series) if (s.x.length) seen.current.add(id);

  useEffect(() => {
    if (!loading && !zoom && props.onEmpty && [...series.values()].every((s) => s.x.length === 0)) props.onEmpty(metric);
  }, [loading]);

  useLayoutEffect(() => {
    if (loading && wrapRef.current) wrapRef.current.dataset.drawn = "0";
  }, [loading]);

  // Draw (build the plot when its shape changes, else setData) before the frame is painted;
  // nothing while a load has brought nothing yet (a new chart sends its requests first; a
  // zoomed one keeps showing the old range until the new one comes).
  useLayoutEffect(() => {
    const el = plotRef.current;
    if (!el || (loading && !series.size)) return;
    const shape = [theme, settings.logY, xKey, height, plot.shape].join("|");
    if (uRef.current && shapeRef.current === shape) {
      uRef.current.setData(plot.data as uPlot.AlignedData, true);
      return;
    }
    uRef.current?.destroy();
    shapeRef.current = shape;
    uRef.current = buildPlot(el, plot);
  }, [plot, theme, settings.logY, xKey, height, loading]);

  function buildPlot(el: HTMLElement, p: Plot): uPlot {
    const fg = cssVar("--fg-muted") || "#666";
    const grid = cssVar("--grid") || "rgba(0,0,0,0.08)";
    const axisFont = "11px system-ui, sans-serif";
    const xk = xKey;
    const few = p.index.size <= 3;
    const opts: uPlot.Options = {
      width: Math.max(100, el.clientWidth),
      height,
      legend: { show: false },
      cursor: {
        drag: { x: true, y: false, setScale: false },
        points: { size: 6 },
        focus: { prox: 16 },
      },
      focus: { alpha: 0.35 },
      select: { show: true, left: 0, top: 0, width: 0, height: 0 },
      scales: {
        x: {
          time: xk === "_timestamp",
          range: (_u, min, max) => {
            const z = latest.current.zoom;
            if (z) return [z[0], z[1]];
            if (min === max) return [min - 1, max + 1];
            return [min, max];
          },
        },
        y: settings.logY ? { distr: 3 } : { auto: true },
      },
      axes: [
        {
          stroke: fg,
          font: axisFont,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid, width: 1 },
          ...(xk === "_timestamp" ? {} : {
            values: (_u: uPlot, vals: number[]) => vals.map((v) => (xk === "_runtime" ? runtimeTick(v) : compact(v))),
          }),
        },
        {
          stroke: fg,
          font: axisFont,
          size: 48,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid, width: 1 },
          values: (_u: uPlot, vals: number[]) => vals.map((v) => (v === null ? "" : compact(v))),
        },
      ],
      series: [{}, ...p.lines.map((l) => lineStyle(l.role, l.color, l.label, few))],
      bands: p.bands.map((b) => ({ series: [b.hi, b.lo] as [number, number], fill: withAlpha(b.color, 0.2) })),
      hooks: {
        setSelect: [
          (u) => {
            const sel = u.select;
            if (sel.width > 4) {
              const a = u.posToVal(sel.left, "x");
              const b = u.posToVal(sel.left + sel.width, "x");
              u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
              if (b > a) setZoom([a, b]);
            }
          },
        ],
        setCursor: [(u) => showTip(u)],
        draw: [
          () => {
            // For tests and benchmarks: the chart has drawn what its first load asked for.
            if (!loadingNow.current && wrapRef.current) wrapRef.current.dataset.drawn = "1";
          },
        ],
      },
    };
    const u = new uPlot(opts, p.data as uPlot.AlignedData, el);
    u.over.addEventListener("dblclick", () => setZoom(null));
    u.over.addEventListener("mouseleave", () => {
      if (tipRef.current) tipRef.current.style.display = "none";
    });
    return u;
  }

  useEffect(() => () => uRef.current?.destroy(), []);

  // Resize with the panel.
  useEffect(() => {
    const el = wrapRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => {
      const u = uRef.current;
      if (u && plotRef.current) {
        const w = Math.max(100, plotRef.current.clientWidth);
        if (Math.abs(w - u.width) > 1) u.setSize({ width: w, height });
      }
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [height]);

  function showTip(u: uPlot) {
    const tip = tipRef.current;
    if (!tip) return;
    const left = u.cursor.left ?? -1;
    if (left < 0) {
      tip.style.display = "none";
      return;
    }
    const now = latest.current;
    const xv = u.posToVal(left, "x");
    const rows: { name: string; color: string; y: number }[] = [];
    const idx = u.cursor.idx;
    if (now.groups && idx !== null && idx !== undefined) {
      for (const g of now.groups) {
        const si = now.plot.index.get(g.key);
        const v = si !== undefined ? (u.data[si][idx] as number | null | undefined) : null;
        if (v !== null && v !== undefined) rows.push({ name: `${g.label} (mean of ${g.runIds.length})`, color: g.color, y: v });
      }
    }
    for (const cr of now.groups ? [] : now.runs) {
      const rs = now.series.get(cr.run.id);
      if (!rs || !rs.x.length) continue;
      const i = nearest(rs.x, xv);
      if (i < 0) continue;
      rows.push({ name: cr.run.name, color: cr.color, y: ema(rs.last, now.settings.smoothing)[i] });
    }
    if (!rows.length) {
      tip.style.display = "none";
      return;
    }
    rows.sort((a, b) => (isNaN(b.y) ? -1 : b.y - a.y));
    const shown = rows.slice(0, 30).map((r) => ({ name: r.name, color: r.color, value: fmtNum(r.y) }));
    fillTip(tip, `${xLabel(now.xKey)} ${fmtX(now.xKey, xv)}`, shown, rows.length - shown.length);
    placeTip(tip, u);
  }

  // Hovering a legend entry brings its line forward (the others fade).
  const focus = (key: string | null) => {
    const u = uRef.current;
    if (!u) return;
    const idx = key === null ? undefined : plot.index.get(key);
    u.setSeries(idx ?? null, { focus: idx !== undefined });
  };

  const shown = runs.filter((r) => {
    const s = series.get(r.run.id);
    return !!s && (s.x.length > 0 || (!!zoom && seen.current.has(r.run.id)));
  });

  function downloadPng() {
    const u = uRef.current;
    if (!u) return;
    const src = u.ctx.canvas;
    const pad = 8 * devicePixelRatio;
    const titleH = 24 * devicePixelRatio;
    const legendRows = shown;
    const lineH = 16 * devicePixelRatio;
    const out = document.createElement("canvas");
    out.width = src.width + pad * 2;
    out.height = src.height + titleH + pad * 2 + legendRows.length * lineH;
    const ctx = out.getContext("2d")!;
    ctx.fillStyle = cssVar("--panel-bg") || "#fff";
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.fillStyle = cssVar("--fg") || "#000";
    ctx.font = `${13 * devicePixelRatio}px system-ui, sans-serif`;
    ctx.fillText(metric, pad, pad + 14 * devicePixelRatio);
    ctx.drawImage(src, pad, pad + titleH);
    ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
    legendRows.forEach((r, i) => {
      const y = pad + titleH + src.height + (i + 1) * lineH;
      ctx.fillStyle = r.color;
      ctx.fillRect(pad, y - 9 * devicePixelRatio, 10 * devicePixelRatio, 10 * devicePixelRatio);
      ctx.fillStyle = cssVar("--fg") || "#000";
      ctx.fillText(r.run.name, pad + 16 * devicePixelRatio, y);
    });
    out.toBlob((b) => b && downloadBlob(b, `${safeFilename(metric)}.png`));
  }

  function downloadCsv() {
    const lines = [["run_id", "run_name", xKey, `${metric} (last)`, "min", "max", "count"].map(csvCell).join(",")];
    for (const r of runs) {
      const rs = series.get(r.run.id);
      if (!rs) continue;
      for (let i = 0; i < rs.x.length; i++) {
        lines.push([r.run.id, r.run.name, rs.x[i], shortFloat(rs.last[i]), shortFloat(rs.min[i]), shortFloat(rs.max[i]), rs.count[i]].map(csvCell).join(","));
      }
    }
    downloadBlob(new Blob([lines.join("\n") + "\n"], { type: "text/csv" }), `${safeFilename(metric)}.csv`);
  }

  const bucketed = shown.some((r) => series.get(r.run.id)!.count.some((c) => c > 1));
  const groupTotal = (g: Group) => g.runIds.reduce((n, id) => n + (series.get(id)?.total ?? 0), 0);
  return (
    <div class={`chart${props.fullscreen ? " chart-full" : ""}`} ref={wrapRef} data-metric={metric} data-zoomed={zoom ? "1" : "0"}>
      <div class="chart-head">
        <span class="chart-title" title={metric}>{metric}</span>
        <span class="chart-sub">{xLabel(xKey)}{bucketed ? " · min–max" : ""}</span>
        <span class="chart-tools">
          {zoom && (
            <button class="icon-btn" title="Reset zoom (or double-click the chart)" onClick={() => setZoom(null)}>
              ⤺ reset
            </button>
          )}
          <button class="icon-btn" title="Download PNG" onClick={downloadPng} data-action="png">PNG</button>
          <button class="icon-btn" title="Download CSV" onClick={downloadCsv} data-action="csv">CSV</button>
          {props.onFullscreen && (
            <button class="icon-btn" title="Fullscreen" onClick={props.onFullscreen} data-action="fullscreen">⤢</button>
          )}
          {props.onClose && (
            <button class="icon-btn" title="Close (Esc)" onClick={props.onClose} data-action="close">✕</button>
          )}
        </span>
      </div>
      <div class="chart-plot" style={{ height: `${height}px` }}>
        <div ref={plotRef} class="chart-canvas" />
        <div ref={tipRef} class="chart-tip" />
        {loading && !shown.length && <div class="chart-msg">Loading…</div>}
        {!loading && !shown.length && !error && <div class="chart-msg">No data for the visible runs</div>}
        {error && <div class="chart-msg chart-err">{error}</div>}
      </div>
      <div class="legend">
        {groups && groups.map((g) => {
          const n = g.runIds.filter((id) => (series.get(id)?.x.length ?? 0) > 0).length;
          return n === 0 ? null : (
            <span class="legend-item legend-group" key={`g:${g.key}`} data-group={g.key} data-total={groupTotal(g)}
              title={`${g.label}: mean of ${n} runs`} onMouseEnter={() => focus(g.key)} onMouseLeave={() => focus(null)}>
              <span class="swatch" style={{ background: g.color }} />
              <span class="legend-name">{`${g.label} (${n})`}</span>
            </span>
          );
        })}
        {!groups && shown.map((r) => <LegendItem key={r.run.id} run={r} s={series.get(r.run.id)!} focus={focus} />)}
      </div>
    </div>
  );
}

/** A run in the legend; its data attributes say what the chart holds (for tests and tools). */
function LegendItem({ run: r, s, focus }: { run: ChartRun; s: RunSeries; focus: (key: string | null) => void }) {
  return (
    <span
      class="legend-item"
      data-run-id={r.run.id}
      data-points={s.x.length}
      data-total={s.total}
      data-last-x={s.x.at(-1) ?? ""}
      data-last-y={s.x.length ? s.last[s.x.length - 1] : ""}
      title={r.run.name}
      onMouseEnter={() => focus(r.run.id)}
      onMouseLeave={() => focus(null)}
    >
      <span class="swatch" style={{ background: r.color }} />
      <span class="legend-name">{r.run.name}</span>
    </span>
  );
}
