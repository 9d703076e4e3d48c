// A time-series panel: one line per run from `/series` buckets (min-max band when bucketed),
// live appends from the feed, drag-zoom that re-buckets on the server, hover for every run.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { api, num, type LiveFeed, type LiveEvent, type Run, type Stream } from "../api";
import { csvCell, downloadBlob, safeFilename } from "../download";
import { dateTime, duration, fmtNum, shortFloat } from "../format";
import { isAbort, seriesLimiter } from "../limit";
import { cssVar, useTheme } from "../theme";
import { align, alignGroups, appendPoints, ema, fromBuckets, nearest, resolveX, type Group, type RunSeries, type XChoice } from "./chartdata";

export interface ChartSettings {
  x: XChoice;
  smoothing: number;
  logY: boolean;
}

export interface ChartRun {
  run: Run;
  color: string;
}

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

type Zoom = [number, number] | null;

/** Runs per series request. */
const BATCH = 50;

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

export function LineChart(props: Props) {
  const { project, metric, stream, runs, settings, feed, height } = props;
  const theme = useTheme();
  const wrapRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<HTMLDivElement>(null);
  const tipRef = useRef<HTMLDivElement>(null);
  const uRef = useRef<uPlot | null>(null);
  const sigRef = useRef("");
  const dataRef = useRef(new Map<string, RunSeries>());
  const pendingRef = useRef(new Map<string, { ctrl: AbortController; queued: LiveEvent[] }>());
  const genRef = useRef("");
  const [zoom, setZoom] = useState<Zoom>(null);
  const zoomRef = useRef<Zoom>(null);
  zoomRef.current = zoom;
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const frame = useRef(0);
  const pointsRef = useRef(0);

  const runsById = useMemo(() => new Map(runs.map((r) => [r.run.id, r])), [runs]);
  const runsRef = useRef(runsById);
  runsRef.current = runsById;
  const xKey = useMemo(
    () => (runs.length ? resolveX(settings.x, metric, runs[0].run.metrics, stream) : resolveX(settings.x, metric, undefined, stream)),
    [settings.x, metric, stream, runs.length ? runs[0].run.metrics : null],
  );
  const xKeyRef = useRef(xKey);
  xKeyRef.current = xKey;
  const settingsRef = useRef(settings);
  settingsRef.current = settings;
  const groups = props.groups && props.groups.length ? props.groups : null;
  const groupsRef = useRef(groups);
  groupsRef.current = groups;
  const groupSeriesIdx = useRef(new Map<string, number>());

  // Redraw on the next frame; while the first load is in flight, at most every 250 ms (each
  // run's arrival would otherwise rebuild the plot once per run).
  const loadingRef = useRef(true);
  const redraw = () => {
    if (frame.current) return;
    const go = () => {
      frame.current = 0;
      setVersion((v) => v + 1);
    };
    frame.current = loadingRef.current ? window.setTimeout(go, 250) : requestAnimationFrame(go);
  };


  const xFor = (run: Run) => resolveX(settingsRef.current.x, metric, run.metrics, stream);

  function applyRows(runId: string, ev: LiveEvent) {
    if (ev.type !== "history") return;
    const rs = dataRef.current.get(runId);
    const cr = runsRef.current.get(runId);
    if (!rs || !cr) return;
    if (!ev.rows) {
      // A large batch: the feed says which steps arrived; fetch them from the cursor.
      if ((ev.last_step ?? Infinity) >= rs.cursor) void fetchAfter(runId);
      return;
    }
    const xk = xFor(cr.run);
    const xs: number[] = [];
    const ys: number[] = [];
    let cursor = rs.cursor;
    let missingX = false;
    for (const row of ev.rows) {
      const step = num(row._step);
      if (step < rs.cursor) continue;
      cursor = Math.max(cursor, step + 1);
      if (!(metric in row)) continue;
      const xv = xk === "_step" ? step : row[xk];
      if (xv === undefined || xv === null) {
        missingX = true;
        continue;
      }
      xs.push(num(xv));
      ys.push(num(row[metric]));
    }
    if (missingX) {
      void fetchAfter(runId);
      return;
    }
    const added = appendPoints(rs, xs, ys, cursor);
    if (added) {
      if (!zoomRef.current && rs.appended > pointsRef.current * 2) void fetchRuns([runId]);
      redraw();
    }
  }

  /** Load (or re-bucket) runs' series: one request per x axis for up to 50 runs at a time. */
  async function fetchRuns(runIds: string[]) {
    const byX = new Map<string, string[]>();
    for (const id of runIds) {
      const cr = runsRef.current.get(id);
      if (!cr || pendingRef.current.has(id)) continue;
      const xk = xFor(cr.run);
      if (!byX.has(xk)) byX.set(xk, []);
      byX.get(xk)!.push(id);
    }
    const jobs: Promise<void>[] = [];
    for (const [xk, ids] of byX) {
      for (let i = 0; i < ids.length; i += BATCH) jobs.push(fetchBatch(xk, ids.slice(i, i + BATCH)));
    }
    await Promise.all(jobs);
  }

  async function fetchBatch(xk: string, ids: string[]) {
    const ctrl = new AbortController();
    const entries = new Map(ids.map((id) => [id, { ctrl, queued: [] as LiveEvent[] }]));
    for (const [id, e] of entries) pendingRef.current.set(id, e);
    const gen = genRef.current;
    const z = zoomRef.current;
    try {
      const res = await seriesLimiter.run(
        () =>
          api.projectSeries(project, ids, {
            key: metric,
            x: xk,
            points: pointsRef.current,
            stream,
            x_min: z ? z[0] : undefined,
            x_max: z ? z[1] : undefined,
          }, ctrl.signal),
        ctrl.signal,
      );
      if (gen !== genRef.current || ctrl.signal.aborted) return;
      const got = new Set<string>();
      for (const rb of res.runs) {
        const rs = fromBuckets(rb);
        got.add(rb.id);
        dataRef.current.set(rb.id, rs);
        if (!z) {
          if (rs.x.length) noData.current.delete(rb.id);
          else noData.current.add(rb.id);
        }
      }
      for (const [id, e] of entries) {
        if (pendingRef.current.get(id) === e) pendingRef.current.delete(id);
        if (!got.has(id)) continue;
        for (const ev of e.queued) applyRows(id, ev);
      }
      setError(null);
    } catch (err) {
      if (isAbort(err) || ctrl.signal.aborted) return;
      for (const [id, e] of entries) if (pendingRef.current.get(id) === e) pendingRef.current.delete(id);
      setError(String((err as Error).message ?? err));
    }
    redraw();
  }

  const afterBusy = useRef(new Set<string>());
  /** Runs with no point of this metric at all (kept out of the legend, even when zoomed). */
  const noData = useRef(new Set<string>());
  async function fetchAfter(runId: string) {
    const rs = dataRef.current.get(runId);
    const cr = runsRef.current.get(runId);
    if (!rs || !cr || afterBusy.current.has(runId)) return;
    afterBusy.current.add(runId);
    const gen = genRef.current;
    try {
      const res = await api.series(project, runId, { key: metric, x: xFor(cr.run), stream, after: rs.cursor });
      if (gen !== genRef.current) return;
      const b = res.buckets;
      if (appendPoints(rs, b.x, b.last, res.cursor)) {
        if (!zoomRef.current && rs.appended > pointsRef.current * 2) void fetchRuns([runId]);
        redraw();
      }
    } catch {
      /* the next event or poll tries again */
    } finally {
      afterBusy.current.delete(runId);
    }
  }

  // (Re)load everything when what is asked changes; otherwise only runs that are new.
  const gen = `${project}|${metric}|${stream}|${settings.x}|${zoom ? zoom.join(",") : ""}`;
  const runKey = runs.map((r) => r.run.id).join(",");
  // A layout effect: the requests leave before the first paint, not a frame after it.
  useLayoutEffect(() => {
    if (!pointsRef.current) {
      // Points per request: about the chart's pixel width.
      // (the plot area: the panel less the y axis)
      const w = (wrapRef.current?.clientWidth ?? 0) - 64;
      pointsRef.current = Math.max(100, Math.min(4000, Math.round(w > 0 ? w : props.fullscreen ? 1400 : 400)));
    }
    if (genRef.current !== gen) {
      genRef.current = gen;
      for (const p of pendingRef.current.values()) p.ctrl.abort();
      pendingRef.current.clear();
      dataRef.current = new Map();
      setLoading(true);
      loadingRef.current = true;
      if (wrapRef.current) wrapRef.current.dataset.drawn = "0";
    }
    for (const id of [...dataRef.current.keys()]) if (!runsById.has(id)) dataRef.current.delete(id);
    const todo = runs.filter((r) => !dataRef.current.has(r.run.id) && !pendingRef.current.has(r.run.id));
    if (!todo.length) {
      setLoading(false);
      redraw();
      return;
    }
    void fetchRuns(todo.map((r) => r.run.id)).then(() => {
      if (genRef.current !== gen) return;
      if (!zoomRef.current && [...dataRef.current.values()].every((d) => d.x.length === 0)) props.onEmpty?.(metric);
      setLoading(false);
      loadingRef.current = false;
      window.clearTimeout(frame.current);
      cancelAnimationFrame(frame.current);
      frame.current = 0;
      setVersion((v) => v + 1);
    });
  }, [gen, runKey]);

  useEffect(
    () => () => {
      for (const p of pendingRef.current.values()) p.ctrl.abort();
      cancelAnimationFrame(frame.current);
      window.clearTimeout(frame.current);
    },
    [],
  );

  // Live: rows from the feed append to the runs this chart shows.
  useEffect(() => {
    if (!feed) return;
    return feed.subscribe((ev) => {
      if (ev.type !== "history" || (ev.stream && ev.stream !== stream)) return;
      if (stream !== "history" && !ev.stream) return;
      if (!runsRef.current.has(ev.run_id)) return;
      const pending = pendingRef.current.get(ev.run_id);
      if (pending) {
        pending.queued.push(ev);
        return;
      }
      if (!dataRef.current.has(ev.run_id)) {
        void fetchRuns([ev.run_id]);
        return;
      }
      applyRows(ev.run_id, ev);
    });
  }, [feed, stream, gen]);

  // Polling for streams the feed does not carry (system metrics), only while runs are running.
  const anyRunning = runs.some((r) => r.run.state === "running");
  useEffect(() => {
    if (!props.poll || !anyRunning) return;
    const t = window.setInterval(() => {
      for (const id of dataRef.current.keys()) {
        if (runsRef.current.get(id)?.run.state === "running") void fetchAfter(id);
      }
    }, 3000);
    return () => window.clearInterval(t);
  }, [props.poll, anyRunning, gen]);

  // Draw (create the plot when its shape changes, else setData), before the frame is painted;
  // nothing until the first load is in (so a page of new charts sends its requests first).
  useLayoutEffect(() => {
    const el = plotRef.current;
    if (!el || (loadingRef.current && !uRef.current && !dataRef.current.size)) return;
    const series = runs.map((r) => dataRef.current.get(r.run.id)).filter((s): s is RunSeries => !!s);
    const al = groups
      ? alignGroups(dataRef.current, groups, settings.smoothing, settings.logY)
      : align(series, settings.smoothing, settings.logY);
    const groupBy = new Map((groups ?? []).map((g) => [g.key, g]));
    const sig = [
      theme, settings.logY, settings.smoothing > 0, xKey, height, groups ? "g" : "r",
      ...al.cols.map((c) => `${c.runId}:${c.min ? 1 : 0}`),
    ].join("|");
    const data: (number | null)[][] = [Array.from(al.x)];
    const specs: uPlot.Series[] = [{}];
    const bands: uPlot.Band[] = [];
    groupSeriesIdx.current = new Map();
    for (const c of al.cols) {
      const g = groupBy.get(c.runId);
      const color = g ? g.color : runsById.get(c.runId)?.color ?? "#888";
      if (c.raw) {
        data.push(c.raw);
        specs.push({ stroke: withAlpha(color, 0.28), width: 1, points: { show: false }, spanGaps: true });
      }
      groupSeriesIdx.current.set(g ? g.key : c.runId, data.length);
      data.push(c.last);
      specs.push({
        label: g ? g.label : runsById.get(c.runId)?.run.name ?? c.runId,
        stroke: color,
        width: 1.5,
        points: { show: false },
        spanGaps: true,
      });
      if (c.min && c.max) {
        const hi = data.length;
        data.push(c.max, c.min);
        // With few lines the band's edges are drawn too, so a one-bucket spike stays visible.
        const edge = al.cols.length <= 3 ? withAlpha(color, 0.45) : "transparent";
        specs.push(
          { stroke: edge, width: edge === "transparent" ? 0 : 1, points: { show: false }, spanGaps: true },
          { stroke: edge, width: edge === "transparent" ? 0 : 1, points: { show: false }, spanGaps: true },
        );
        bands.push({ series: [hi, hi + 1], fill: withAlpha(color, 0.2) });
      }
    }
    const width = Math.max(100, el.clientWidth);
    if (uRef.current && sigRef.current === sig) {
      uRef.current.setData(data as uPlot.AlignedData, true);
      return;
    }
    uRef.current?.destroy();
    sigRef.current = sig;
    const fg = cssVar("--fg-muted") || "#666";
    const grid = cssVar("--grid") || "rgba(0,0,0,0.08)";
    const axisFont = "11px system-ui, sans-serif";
    const xk = xKey;
    const opts: uPlot.Options = {
      width,
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
            const z = zoomRef.current;
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
      series: specs,
      bands,
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
            if (!loadingRef.current && wrapRef.current) wrapRef.current.dataset.drawn = "1";
          },
        ],
      },
    };
    const u = new uPlot(opts, data as uPlot.AlignedData, el);
    uRef.current = u;
    u.over.addEventListener("dblclick", () => setZoom(null));
    u.over.addEventListener("mouseleave", () => {
      if (tipRef.current) tipRef.current.style.display = "none";
    });
  }, [version, theme, settings.logY, settings.smoothing, xKey, height, runsById, groups]);

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
    const xv = u.posToVal(left, "x");
    const rows: { name: string; color: string; y: number }[] = [];
    const gs = groupsRef.current;
    const idx = u.cursor.idx;
    if (gs && idx !== null && idx !== undefined) {
      for (const g of gs) {
        const si = groupSeriesIdx.current.get(g.key);
        const v = si !== undefined ? (u.data[si][idx] as number | null | undefined) : null;
        if (v !== null && v !== undefined) rows.push({ name: `${g.label} (mean of ${g.runIds.length})`, color: g.color, y: v });
      }
    }
    for (const cr of gs ? [] : runsRef.current.values()) {
      const rs = dataRef.current.get(cr.run.id);
      if (!rs || !rs.x.length) continue;
      const i = nearest(rs.x, xv);
      if (i < 0) continue;
      const ys = settingsRef.current.smoothing > 0 ? ema(rs.last, settingsRef.current.smoothing) : rs.last;
      rows.push({ name: cr.run.name, color: cr.color, y: ys[i] });
    }
    if (!rows.length) {
      tip.style.display = "none";
      return;
    }
    rows.sort((a, b) => (isNaN(b.y) ? -1 : b.y - a.y));
    tip.replaceChildren();
    const head = document.createElement("div");
    head.className = "tip-head";
    head.textContent = `${xLabel(xKeyRef.current)} ${fmtX(xKeyRef.current, xv)}`;
    tip.appendChild(head);
    for (const r of rows.slice(0, 30)) {
      const line = document.createElement("div");
      line.className = "tip-row";
      const sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = r.color;
      const name = document.createElement("span");
      name.className = "tip-name";
      name.textContent = r.name;
      const val = document.createElement("span");
      val.className = "tip-val";
      val.textContent = fmtNum(r.y);
      line.append(sw, name, val);
      tip.appendChild(line);
    }
    if (rows.length > 30) {
      const more = document.createElement("div");
      more.className = "tip-more";
      more.textContent = `+ ${rows.length - 30} more`;
      tip.appendChild(more);
    }
    tip.style.display = "block";
    const top = (u.cursor.top ?? 0) + 12;
    const plotW = u.over.clientWidth;
    const tw = tip.offsetWidth;
    const x = left + 16 + tw > plotW ? Math.max(0, left - tw - 16) : left + 16;
    tip.style.transform = `translate(${x + u.over.offsetLeft}px, ${top}px)`;
  }

  // Hovering a legend entry brings its line forward (the others fade).
  const focus = (key: string | null) => {
    const u = uRef.current;
    if (!u) return;
    const idx = key === null ? undefined : groupSeriesIdx.current.get(key);
    u.setSeries(idx ?? null, { focus: idx !== undefined });
  };

  function downloadPng() {
    const u = uRef.current;
    if (!u) return;
    const src = u.ctx.canvas;
    const pad = 8 * devicePixelRatio;
    const titleH = 24 * devicePixelRatio;
    const legendRows = runs.filter((r) => dataRef.current.has(r.run.id));
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
      const rs = dataRef.current.get(r.run.id);
      if (!rs) continue;
      for (let i = 0; i < rs.x.length; i++) {
        lines.push([r.run.id, r.run.name, rs.x[i], shortFloat(rs.last[i]), shortFloat(rs.min[i]), shortFloat(rs.max[i]), rs.count[i]].map(csvCell).join(","));
      }
    }
    downloadBlob(new Blob([lines.join("\n") + "\n"], { type: "text/csv" }), `${safeFilename(metric)}.csv`);
  }

  const shown = runs.filter(
    (r) => dataRef.current.has(r.run.id) && (!noData.current.has(r.run.id) || dataRef.current.get(r.run.id)!.x.length > 0),
  );
  const bucketed = shown.some((r) => dataRef.current.get(r.run.id)!.count.some((c) => c > 1));
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
          const n = g.runIds.filter((id) => (dataRef.current.get(id)?.x.length ?? 0) > 0).length;
          return n === 0 ? null : (
            <span class="legend-item legend-group" key={`g:${g.key}`} data-group={g.key} title={`${g.label}: mean of ${n} runs`}
              onMouseEnter={() => focus(g.key)} onMouseLeave={() => focus(null)}>
              <span class="swatch" style={{ background: g.color }} />
              <span class="legend-name">{`${g.label} (${n})`}</span>
            </span>
          );
        })}
        {!groups && shown.map((r) => (
          <span
            class="legend-item"
            key={r.run.id}
            data-run-id={r.run.id}
            data-points={dataRef.current.get(r.run.id)!.x.length}
            data-last-x={dataRef.current.get(r.run.id)!.x.at(-1) ?? ""}
            title={r.run.name}
            onMouseEnter={() => focus(r.run.id)}
            onMouseLeave={() => focus(null)}
          >
            <span class="swatch" style={{ background: r.color }} />
            <span class="legend-name">{r.run.name}</span>
          </span>
        ))}
      </div>
    </div>
  );
}
