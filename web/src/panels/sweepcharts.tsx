// The sweep page's charts, drawn as SVG (a sweep has hundreds of runs, not millions of points):
// the metric over runs with the best so far, parallel coordinates whose axes brush (filter) the
// runs, the metric against each parameter, and the parameter-importance table.
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Json, ParamImportance } from "../api";
import { fmtNum } from "../format";

export interface SweepPoint {
  id: string;
  name: string;
  index: number; // 1-based, in creation order
  params: Record<string, Json>;
  value: number | null;
  best: number | null;
  state: string;
}

export interface Axis {
  name: string;
  kind: "number" | "category";
  log: boolean;
  min: number;
  max: number;
  cats: string[];
}

/** A brushed range per axis, as positions 0 (bottom) to 1 (top). */
export type Brush = Record<string, [number, number]>;

const RAMP = ["#f59f00", "#e8590c", "#c2255c", "#7048e8", "#1971c2"];

/** Colour for a metric position `t` in [0, 1], 1 the best. */
export function rampColor(t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const a = parseInt(RAMP[i].slice(1), 16);
  const b = parseInt(RAMP[i + 1].slice(1), 16);
  const mix = (sh: number) => Math.round(((a >> sh) & 255) * (1 - f) + ((b >> sh) & 255) * f);
  return `rgb(${mix(16)},${mix(8)},${mix(0)})`;
}

function label(v: Json | undefined): string {
  if (v === undefined) return "–";
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** An axis for values (numbers: linear, or log when positive over two decades or more). */
export function axisOf(name: string, values: (Json | undefined)[]): Axis {
  const present = values.filter((v) => v !== undefined && v !== null);
  const numeric = present.length > 0 && present.every((v) => typeof v === "number" && isFinite(v));
  if (numeric) {
    const nums = present as number[];
    let min = Math.min(...nums);
    let max = Math.max(...nums);
    const log = min > 0 && max / min >= 100;
    if (min === max) {
      min -= Math.abs(min) * 0.1 || 1;
      max += Math.abs(max) * 0.1 || 1;
    }
    return { name, kind: "number", log, min, max, cats: [] };
  }
  const cats = [...new Set(present.map(label))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return { name, kind: "category", log: false, min: 0, max: 1, cats };
}

/** Where `v` sits on the axis, 0 (bottom) to 1 (top); null when it is not on it. */
export function position(a: Axis, v: Json | undefined): number | null {
  if (v === undefined || v === null) return null;
  if (a.kind === "number") {
    if (typeof v !== "number" || !isFinite(v)) return null;
    if (a.log) return (Math.log(v) - Math.log(a.min)) / (Math.log(a.max) - Math.log(a.min));
    return (v - a.min) / (a.max - a.min);
  }
  const i = a.cats.indexOf(label(v));
  if (i < 0) return null;
  return a.cats.length === 1 ? 0.5 : i / (a.cats.length - 1);
}

function ticks(a: Axis, n = 4): { p: number; text: string }[] {
  if (a.kind === "category") return a.cats.map((c) => ({ p: position(a, c)!, text: c }));
  const out = [];
  for (let i = 0; i <= n; i++) {
    const p = i / n;
    const v = a.log ? Math.exp(Math.log(a.min) + p * (Math.log(a.max) - Math.log(a.min))) : a.min + p * (a.max - a.min);
    out.push({ p, text: fmtNum(Number(v.toPrecision(3))) });
  }
  return out;
}

export function passes(brush: Brush, axes: Axis[], values: (r: SweepPoint, a: Axis) => Json | undefined, r: SweepPoint): boolean {
  for (const a of axes) {
    const b = brush[a.name];
    if (!b) continue;
    const p = position(a, values(r, a));
    if (p === null || p < b[0] - 1e-9 || p > b[1] + 1e-9) return false;
  }
  return true;
}

function useWidth(): [preact.RefObject<HTMLDivElement>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [w, setW] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setW(el.clientWidth));
    ro.observe(el);
    setW(el.clientWidth);
    return () => ro.disconnect();
  }, []);
  return [ref, w];
}

const PAD = { l: 56, r: 14, t: 12, b: 26 };

function AxisY(props: { a: Axis; x: number; y0: number; h: number; left?: boolean }) {
  return (
    <g class="svg-axis">
      <line x1={props.x} x2={props.x} y1={props.y0} y2={props.y0 + props.h} />
      {ticks(props.a).map((t, i) => (
        <text key={i} x={props.x - 6} y={props.y0 + (1 - t.p) * props.h} text-anchor="end" dominant-baseline="middle">{t.text}</text>
      ))}
    </g>
  );
}

/** The metric of each run in creation order, and the best value so far. */
export function MetricOverRuns(props: { points: SweepPoint[]; metric: string; goal: string; selected: Set<string> }) {
  const [ref, width] = useWidth();
  const height = 230;
  const vals = props.points.filter((p) => p.value !== null);
  const w = Math.max(100, width - PAD.l - PAD.r);
  const h = height - PAD.t - PAD.b;
  const ya = axisOf(props.metric, vals.map((p) => p.value));
  const n = Math.max(props.points.length, 2);
  const x = (i: number) => PAD.l + ((i - 1) / (n - 1)) * w;
  const y = (v: number) => PAD.t + (1 - (position(ya, v) ?? 0)) * h;
  let path = "";
  let prev: number | null = null;
  for (const p of props.points) {
    if (p.best === null) continue;
    path += prev === null ? `M${x(p.index)},${y(p.best)}` : `H${x(p.index)}V${y(p.best)}`;
    prev = p.best;
  }
  if (prev !== null) path += `H${x(props.points.length)}`;
  return (
    <div class="sweep-chart" ref={ref} data-chart="metric-over-runs">
      {width > 0 && vals.length > 0 && (
        <svg width={width} height={height}>
          <AxisY a={ya} x={PAD.l} y0={PAD.t} h={h} />
          <g class="svg-axis">
            <line x1={PAD.l} x2={PAD.l + w} y1={PAD.t + h} y2={PAD.t + h} />
            {[1, Math.ceil(n / 2), props.points.length].filter((v, i, a) => a.indexOf(v) === i).map((i, k, all) => (
              <text key={i} x={x(i)} y={PAD.t + h + 16} text-anchor={k === 0 ? "start" : k === all.length - 1 ? "end" : "middle"}>{`run ${i}`}</text>
            ))}
          </g>
          <path d={path} class="best-line" data-best-line="1" />
          {vals.map((p) => (
            <circle
              key={p.id}
              cx={x(p.index)}
              cy={y(p.value!)}
              r={3.5}
              class={`pt${props.selected.has(p.id) ? "" : " pt-dim"}`}
              data-run-id={p.id}
            >
              <title>{`${p.name}: ${fmtNum(p.value!)}`}</title>
            </circle>
          ))}
        </svg>
      )}
      {!vals.length && <div class="chart-msg">No run has reported {props.metric} yet</div>}
    </div>
  );
}

/** Parallel coordinates: one axis per parameter and the metric last; drag along an axis to
 * keep only the runs through that range (click an axis to clear its range). */
export function ParallelCoords(props: {
  axes: Axis[];
  points: SweepPoint[];
  value: (r: SweepPoint, a: Axis) => Json | undefined;
  color: (r: SweepPoint) => string;
  brush: Brush;
  onBrush: (b: Brush) => void;
  selected: Set<string>;
}) {
  const [ref, width] = useWidth();
  const height = 300;
  const top = 30;
  const h = height - top - 26;
  const left = 70;
  const right = 60;
  const n = props.axes.length;
  const gap = n > 1 ? (Math.max(width, 200) - left - right) / (n - 1) : 0;
  const ax = (i: number) => left + i * gap;
  const [drag, setDrag] = useState<{ axis: string; from: number; to: number } | null>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const posAt = (e: MouseEvent) => {
    const r = svgRef.current!.getBoundingClientRect();
    return Math.min(1, Math.max(0, 1 - (e.clientY - r.top - top) / h));
  };
  const onDown = (axis: string) => (e: MouseEvent) => {
    e.preventDefault();
    const p = posAt(e);
    setDrag({ axis, from: p, to: p });
  };
  useEffect(() => {
    if (!drag) return;
    const move = (e: MouseEvent) => setDrag((d) => (d ? { ...d, to: posAt(e) } : d));
    const up = (e: MouseEvent) => {
      const to = posAt(e);
      const next = { ...props.brush };
      if (Math.abs(to - drag.from) < 0.02) delete next[drag.axis];
      else {
        // A range dragged to within a hair of an axis end includes that end.
        const lo = Math.min(drag.from, to);
        const hi = Math.max(drag.from, to);
        next[drag.axis] = [lo < 0.02 ? 0 : lo, hi > 0.98 ? 1 : hi];
      }
      setDrag(null);
      props.onBrush(next);
    };
    window.addEventListener("mousemove", move);
    window.addEventListener("mouseup", up);
    return () => {
      window.removeEventListener("mousemove", move);
      window.removeEventListener("mouseup", up);
    };
  }, [drag?.axis, drag?.from, props.brush]);

  const lines: JSX.Element[] = [];
  const dimmed: JSX.Element[] = [];
  for (const r of props.points) {
    let d = "";
    props.axes.forEach((a, i) => {
      const p = position(a, props.value(r, a));
      if (p === null) return;
      d += `${d ? "L" : "M"}${ax(i)},${top + (1 - p) * h}`;
    });
    if (!d) continue;
    const on = props.selected.has(r.id);
    const el = (
      <path key={r.id} d={d} class={`pc-line${on ? "" : " pc-dim"}`} stroke={on ? props.color(r) : undefined} data-run-id={r.id}>
        <title>{r.name}</title>
      </path>
    );
    (on ? lines : dimmed).push(el);
  }
  return (
    <div class="sweep-chart pc" ref={ref} data-chart="parallel-coordinates">
      {width > 0 && (
        <svg ref={svgRef} width={width} height={height}>
          {dimmed}
          {lines}
          {props.axes.map((a, i) => {
            const b = drag && drag.axis === a.name ? [Math.min(drag.from, drag.to), Math.max(drag.from, drag.to)] : props.brush[a.name];
            return (
              <g key={a.name} class="pc-axis" data-axis={a.name} transform={`translate(${ax(i)},0)`}>
                <text class="pc-title" y={top - 14} text-anchor="middle">{a.name}</text>
                <line class="pc-axis-line" y1={top} y2={top + h} />
                {ticks(a).map((t, k) => (
                  <text key={k} class="pc-tick" x={-6} y={top + (1 - t.p) * h} text-anchor="end" dominant-baseline="middle">{t.text}</text>
                ))}
                {b && <rect class="pc-brush" x={-7} width={14} y={top + (1 - b[1]) * h} height={Math.max(2, (b[1] - b[0]) * h)} />}
                <rect class="pc-hit" x={-12} width={24} y={top} height={h} onMouseDown={onDown(a.name)}>
                  <title>Drag to filter runs by {a.name}; click to clear</title>
                </rect>
              </g>
            );
          })}
        </svg>
      )}
    </div>
  );
}

/** The metric against one parameter, one dot per run. */
export function Scatter(props: { axis: Axis; metric: Axis; points: SweepPoint[]; value: (r: SweepPoint) => Json | undefined; selected: Set<string>; color: (r: SweepPoint) => string }) {
  const [ref, width] = useWidth();
  const height = 190;
  const p = { l: 52, r: 10, t: 8, b: 30 };
  const w = Math.max(60, width - p.l - p.r);
  const h = height - p.t - p.b;
  const a = props.axis;
  const jitter = (id: string) => {
    let x = 0;
    for (let i = 0; i < id.length; i++) x = (x * 31 + id.charCodeAt(i)) >>> 0;
    return ((x % 1000) / 1000 - 0.5) * 0.5;
  };
  const xpos = (r: SweepPoint): number | null => {
    const v = props.value(r);
    if (a.kind === "category") {
      const i = a.cats.indexOf(label(v));
      return i < 0 ? null : (i + 0.5 + jitter(r.id)) / a.cats.length;
    }
    return position(a, v);
  };
  const xt = a.kind === "category" ? a.cats.map((c, i) => ({ p: (i + 0.5) / a.cats.length, text: c })) : ticks(a, 3);
  return (
    <div class="sweep-chart scatter" ref={ref} data-chart="scatter" data-param={a.name}>
      <div class="scatter-title">{a.name}</div>
      {width > 0 && (
        <svg width={width} height={height}>
          <AxisY a={props.metric} x={p.l} y0={p.t} h={h} />
          <g class="svg-axis">
            <line x1={p.l} x2={p.l + w} y1={p.t + h} y2={p.t + h} />
            {xt.map((t, i) => (
              <text key={i} x={p.l + t.p * w} y={p.t + h + 14} text-anchor="middle">{t.text}</text>
            ))}
          </g>
          {props.points.map((r) => {
            const x = xpos(r);
            const y = r.value === null ? null : position(props.metric, r.value);
            if (x === null || y === null) return null;
            const on = props.selected.has(r.id);
            return (
              <circle key={r.id} cx={p.l + x * w} cy={p.t + (1 - y) * h} r={3.5} class={`pt${on ? "" : " pt-dim"}`} style={on ? { fill: props.color(r) } : undefined} data-run-id={r.id}>
                <title>{`${r.name}: ${label(props.value(r))} → ${fmtNum(r.value!)}`}</title>
              </circle>
            );
          })}
        </svg>
      )}
    </div>
  );
}

export function ImportanceTable({ params, runsUsed, metric, pending }: { params: ParamImportance[]; runsUsed: number; metric: string; pending?: boolean }) {
  if (!params.length) return <div class="muted pad">No parameters yet.</div>;
  const maxImp = Math.max(...params.map((p) => p.importance ?? 0), 1e-9);
  return (
    <table class="table importance-table" data-pending={pending ? "1" : "0"}>
      <thead>
        <tr>
          <th>Parameter</th>
          <th title={`A random forest fitted to ${metric} on the server: the share of its accuracy each parameter carries`}>Importance</th>
          <th title={`Pearson correlation of a numeric parameter with ${metric}`}>Correlation</th>
        </tr>
      </thead>
      <tbody>
        {params.map((p) => (
          <tr key={p.name} data-param={p.name}>
            <td class="imp-name">{p.name}{p.kind === "category" ? <span class="muted"> (categorical)</span> : null}</td>
            <td>
              {p.importance === null ? (
                <span class="muted" title={`needs 3 or more runs with ${metric}; ${runsUsed} so far`}>{pending ? "computing…" : "–"}</span>
              ) : (
                <span class="bar-cell">
                  <span class="bar imp-bar" style={{ width: `${(p.importance / maxImp) * 70}%` }} />
                  <span class="num imp-val">{p.importance.toFixed(3)}</span>
                </span>
              )}
            </td>
            <td>
              {p.correlation === null ? (
                <span class="muted">–</span>
              ) : (
                <span class="bar-cell corr">
                  <span class={`bar ${p.correlation < 0 ? "neg" : "pos"}`} style={{ width: `${Math.abs(p.correlation) * 50}%`, [p.correlation < 0 ? "right" : "left"]: "50%" }} />
                  <span class="num corr-val">{p.correlation.toFixed(3)}</span>
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
