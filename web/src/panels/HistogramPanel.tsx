// A histogram key over steps as a heatmap (W&B's look): x the step, y the value, each step's
// bins shaded by their share of that step's largest bin. Hover shows the bins at a step.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { LiveFeed } from "../api";
import { fmtNum } from "../format";
import { cssVar, useTheme } from "../theme";
import type { ChartRun } from "./chartdata";
import { isHistogram, useMediaRows, type HistogramValue, type RunRows } from "./media";

/** Runs one histogram panel draws (one heatmap each). */
export const HIST_RUNS = 3;
const STEPS = 160;
const LEFT = 46;
const BOTTOM = 18;

interface Grid {
  steps: number[];
  hists: HistogramValue[];
  lo: number;
  hi: number;
  /** Column edges in step units: column i spans [edges[i], edges[i + 1]]. */
  edges: number[];
}

function gridOf(r: RunRows): Grid | null {
  const steps: number[] = [];
  const hists: HistogramValue[] = [];
  let lo = Infinity;
  let hi = -Infinity;
  r.values.forEach((v, i) => {
    if (!isHistogram(v) || v.bins.length < 2) return;
    steps.push(r.steps[i]);
    hists.push(v);
    const a = v.bins[0];
    const b = v.bins[v.bins.length - 1];
    if (isFinite(a)) lo = Math.min(lo, a);
    if (isFinite(b)) hi = Math.max(hi, b);
  });
  if (!steps.length || !isFinite(lo) || !isFinite(hi)) return null;
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const n = steps.length;
  const gap = n > 1 ? (steps[n - 1] - steps[0]) / (n - 1) : 1;
  const edges = [steps[0] - gap / 2];
  for (let i = 0; i < n - 1; i++) edges.push((steps[i] + steps[i + 1]) / 2);
  edges.push(steps[n - 1] + gap / 2);
  return { steps, hists, lo, hi, edges };
}

function compact(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(1);
  return String(+v.toPrecision(3));
}

function Heatmap(props: { grid: Grid; height: number; color: string; label?: string; runId: string }) {
  const { grid } = props;
  const theme = useTheme();
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<{ i: number; x: number; y: number } | null>(null);

  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    setWidth(el.clientWidth);
    return () => ro.disconnect();
  }, []);

  const plotW = Math.max(10, width - LEFT - 6);
  const plotH = props.height - BOTTOM - 4;
  const x0 = grid.edges[0];
  const x1 = grid.edges[grid.edges.length - 1];
  const px = (s: number) => LEFT + ((s - x0) / (x1 - x0 || 1)) * plotW;
  const py = (v: number) => 4 + (1 - (v - grid.lo) / (grid.hi - grid.lo)) * plotH;

  useEffect(() => {
    const c = canvas.current;
    if (!c || !width) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.round(width * dpr);
    c.height = Math.round(props.height * dpr);
    c.style.width = `${width}px`;
    c.style.height = `${props.height}px`;
    const ctx = c.getContext("2d")!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, props.height);
    const n = parseInt(props.color.slice(1), 16);
    const rgb = `${(n >> 16) & 255},${(n >> 8) & 255},${n & 255}`;
    grid.hists.forEach((h, i) => {
      const left = px(grid.edges[i]);
      const right = px(grid.edges[i + 1]);
      const w = Math.max(1, right - left + 0.5);
      let max = 0;
      for (const v of h.values) if (v > max) max = v;
      if (!max) return;
      for (let j = 0; j < h.values.length; j++) {
        const v = h.values[j];
        if (!v) continue;
        const top = py(h.bins[j + 1]);
        const bottom = py(h.bins[j]);
        ctx.fillStyle = `rgba(${rgb},${(0.12 + 0.88 * Math.pow(v / max, 0.7)).toFixed(3)})`;
        ctx.fillRect(left, top, w, Math.max(1, bottom - top + 0.5));
      }
    });
    const fg = cssVar("--fg-muted") || "#666";
    const gridC = cssVar("--grid") || "rgba(0,0,0,0.08)";
    ctx.strokeStyle = gridC;
    ctx.strokeRect(LEFT + 0.5, 4.5, plotW, plotH);
    ctx.fillStyle = fg;
    ctx.font = "11px system-ui, sans-serif";
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const t of [0, 0.5, 1]) {
      const v = grid.lo + t * (grid.hi - grid.lo);
      ctx.fillText(compact(v), LEFT - 4, Math.min(Math.max(py(v), 10), plotH));
    }
    ctx.textBaseline = "top";
    const first = grid.steps[0];
    const last = grid.steps[grid.steps.length - 1];
    ctx.textAlign = "center";
    ctx.fillText(String(first), Math.max(LEFT + 8, px(first)), plotH + 7);
    if (last !== first) {
      ctx.fillText(String(last), Math.min(LEFT + plotW - 8, px(last)), plotH + 7);
      const mid = grid.steps[Math.floor(grid.steps.length / 2)];
      if (grid.steps.length > 2 && Math.abs(px(mid) - px(first)) > 40 && Math.abs(px(last) - px(mid)) > 40) {
        ctx.fillText(String(mid), px(mid), plotH + 7);
      }
    }
    c.dataset.drawn = "1";
  }, [grid, width, props.height, theme, props.color]);

  const onMove = (e: MouseEvent) => {
    const c = canvas.current;
    if (!c) return;
    const rect = c.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    if (x < LEFT || x > LEFT + plotW) return setHover(null);
    const s = x0 + ((x - LEFT) / plotW) * (x1 - x0);
    let i = 0;
    while (i < grid.steps.length - 1 && grid.edges[i + 1] < s) i++;
    setHover({ i, x, y });
  };

  const tip = hover ? grid.hists[hover.i] : null;
  const tipMax = tip ? Math.max(...tip.values, 1) : 1;
  const total = tip ? tip.values.reduce((a, b) => a + b, 0) : 0;
  return (
    <div class="hist-run" ref={wrap} data-run-id={props.runId}>
      {props.label && <div class="media-run-head">{props.label}</div>}
      <div class="hist-plot" style={{ height: `${props.height}px` }} onMouseMove={onMove} onMouseLeave={() => setHover(null)}>
        <canvas ref={canvas} class="hist-canvas" data-steps={grid.steps.length} />
        {hover && (
          <div class="hist-cursor" style={{ left: `${px(grid.edges[hover.i])}px`, width: `${Math.max(2, px(grid.edges[hover.i + 1]) - px(grid.edges[hover.i]))}px`, height: `${plotH}px` }} />
        )}
        {hover && tip && (
          <div class="chart-tip hist-tip" style={{ display: "block", transform: `translate(${hover.x + 190 > width ? Math.max(0, hover.x - 200) : hover.x + 12}px, ${Math.min(hover.y, props.height - 110)}px)` }}>
            <div class="tip-head hist-tip-head">Step {grid.steps[hover.i]}</div>
            <svg class="hist-bars" width="172" height="56" viewBox={`0 0 ${tip.values.length} 56`} preserveAspectRatio="none">
              {tip.values.map((v, j) => (
                <rect key={j} x={j} width={0.9} y={56 - (v / tipMax) * 56} height={(v / tipMax) * 56} fill={props.color} />
              ))}
            </svg>
            <div class="hist-tip-range">
              <span>{fmtNum(tip.bins[0])}</span>
              <span>{fmtNum(tip.bins[tip.bins.length - 1])}</span>
            </div>
            <div class="muted">{tip.values.length} bins · {fmtNum(total)} values</div>
          </div>
        )}
      </div>
    </div>
  );
}

export function HistogramPanel(props: { project: string; metric: string; runs: ChartRun[]; feed: LiveFeed | null; height: number }) {
  const shown = props.runs.slice(0, HIST_RUNS);
  const { rows, error } = useMediaRows(props.project, props.metric, shown.map((r) => r.run.id), props.feed, STEPS);
  const grids = useMemo(() => (rows ?? []).map((r) => ({ id: r.id, grid: gridOf(r) })), [rows]);
  const byId = new Map(shown.map((r) => [r.run.id, r]));
  const drawn = grids.filter((g) => g.grid);
  const each = drawn.length > 1 ? Math.max(90, Math.round((props.height + 20) / drawn.length) - 22) : props.height;
  return (
    <div class="hist-panel" data-metric={props.metric} data-kind="histogram">
      <div class="chart-head">
        <span class="chart-title" title={props.metric}>{props.metric}</span>
        <span class="chart-sub">histogram{rows && drawn.length === 1 ? ` · ${drawn[0].grid!.steps.length} steps` : ""}</span>
      </div>
      {error && <div class="chart-msg chart-err">{error}</div>}
      {!rows && !error && <div class="chart-msg" style={{ height: `${props.height}px` }}>Loading…</div>}
      {rows && !drawn.length && <div class="chart-msg">No histograms for the visible runs</div>}
      {drawn.map((g) => {
        const cr = byId.get(g.id);
        return (
          <Heatmap
            key={g.id}
            runId={g.id}
            grid={g.grid!}
            height={each}
            color={props.runs.length > 1 ? cr?.color ?? "#2f6fde" : "#2f6fde"}
            label={drawn.length > 1 || props.runs.length > 1 ? cr?.run.name : undefined}
          />
        );
      })}
      {props.runs.length > HIST_RUNS && <div class="muted media-more">+ {props.runs.length - HIST_RUNS} more runs</div>}
    </div>
  );
}
