// Keeps one chart's series current: the first load (one request per x axis for up to 50 runs),
// rows from the live feed, cursor fetches for batches the feed did not inline, polling for system
// metrics, and a new load when the zoom or a run's x axis changes. What it holds is always what a
// fresh load would return (series.ts), so the chart never needs a reload to be right.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api, type LiveEvent, type LiveFeed, type Stream } from "../api";
import { isAbort, seriesLimiter } from "../limit";
import { resolveX, type ChartRun, type XChoice } from "./chartdata";
import { appendPoints, emptySeries, fromBuckets, rowsToPoints, type RunSeries } from "./series";

export type Zoom = readonly [number, number] | null;

type HistoryEvent = Extract<LiveEvent, { type: "history" }>;

export interface SeriesState {
  series: ReadonlyMap<string, RunSeries>;
  /** The first load is in flight. */
  loading: boolean;
  error: string | null;
}

interface Query {
  project: string;
  metric: string;
  stream: Stream;
  x: XChoice;
  zoom: Zoom;
  points: number;
}

/** Runs per series request. */
const BATCH = 50;

/** A run with a request in flight: its live events wait for the answer, then apply in order. */
interface Busy {
  ctrl: AbortController;
  queued: HistoryEvent[];
}

class SeriesLoader {
  private data = new Map<string, RunSeries>();
  private runs = new Map<string, ChartRun>();
  private busy = new Map<string, Busy>();
  private closed = false;
  private started = false;
  loading = true;
  error: string | null = null;

  constructor(
    private readonly q: Query,
    /** Called when what is drawn changed; `now`: the first load is complete. */
    private readonly changed: (now: boolean) => void,
  ) {}

  snapshot(): SeriesState {
    return { series: new Map(this.data), loading: this.loading, error: this.error };
  }

  private xFor(cr: ChartRun): string {
    return resolveX(this.q.x, this.q.metric, cr.run.metrics, this.q.stream);
  }

  setRuns(runs: readonly ChartRun[]): void {
    this.runs = new Map(runs.map((r) => [r.run.id, r]));
    let dropped = false;
    for (const id of [...this.data.keys()]) {
      if (!this.runs.has(id)) dropped = this.data.delete(id) || dropped;
    }
    if (!this.sync() && dropped) this.changed(false);
  }

  /** Load the runs that have no series yet, or one against another x axis than theirs now (a
   * step_metric that arrived after the first load). Returns whether it asked for any. */
  private sync(): boolean {
    const todo = [...this.runs.values()].filter((cr) => {
      if (this.busy.has(cr.run.id)) return false;
      const s = this.data.get(cr.run.id);
      return !s || s.stale || s.xKey !== this.xFor(cr);
    });
    const first = !this.started;
    this.started = true;
    if (!todo.length) {
      if (first) this.firstDone();
      return false;
    }
    const byX = new Map<string, string[]>();
    for (const cr of todo) {
      const xk = this.xFor(cr);
      byX.set(xk, [...(byX.get(xk) ?? []), cr.run.id]);
    }
    const jobs: Promise<void>[] = [];
    for (const [xk, ids] of byX) {
      for (let i = 0; i < ids.length; i += BATCH) jobs.push(this.fetchBatch(xk, ids.slice(i, i + BATCH)));
    }
    if (first) void Promise.all(jobs).then(() => this.firstDone());
    return true;
  }

  private firstDone(): void {
    if (this.closed) return;
    this.loading = false;
    this.changed(true);
  }

  private async fetchBatch(xKey: string, ids: string[]): Promise<void> {
    const busy: Busy = { ctrl: new AbortController(), queued: [] };
    for (const id of ids) this.busy.set(id, busy);
    const { project, metric, stream, points, zoom } = this.q;
    try {
      const res = await seriesLimiter.run(
        () => api.projectSeries(project, ids, {
          key: metric, x: xKey, points, stream, x_min: zoom?.[0], x_max: zoom?.[1],
        }, busy.ctrl.signal),
        busy.ctrl.signal,
      );
      if (this.closed) return;
      const q = { xKey, points, range: zoom };
      // A run the server does not know (deleted) gets an empty series, not another request.
      for (const id of ids) if (this.runs.has(id)) this.data.set(id, emptySeries(id, q));
      for (const rb of res.runs) if (this.runs.has(rb.id)) this.data.set(rb.id, fromBuckets(rb, q));
      this.error = null;
    } catch (err) {
      if (this.closed || isAbort(err)) return;
      this.error = String((err as Error).message ?? err);
      // No retry here: the run's next live event asks again.
      for (const id of ids) this.release(id, busy);
      this.changed(false);
      return;
    }
    for (const id of ids) this.release(id, busy);
    this.changed(false);
    this.sync(); // runs whose x axis changed while this request was out
  }

  /** Points of a run from its cursor on (a batch the feed did not inline, system metrics). */
  private async fetchAfter(id: string): Promise<void> {
    const s = this.data.get(id);
    if (!s || this.busy.has(id)) return;
    const busy: Busy = { ctrl: new AbortController(), queued: [] };
    this.busy.set(id, busy);
    const { project, metric, stream } = this.q;
    try {
      const res = await api.series(project, id, { key: metric, x: s.xKey, stream, after: s.cursor }, busy.ctrl.signal);
      if (this.closed) return;
      const cur = this.data.get(id);
      if (cur) this.data.set(id, appendPoints(cur, res.buckets.x, res.buckets.last, res.cursor));
    } catch {
      if (this.closed) return;
      /* the next event or poll asks again */
    }
    this.release(id, busy);
    this.changed(false);
  }

  private release(id: string, busy: Busy): void {
    if (this.busy.get(id) !== busy) return;
    this.busy.delete(id);
    for (const ev of busy.queued) this.onEvent(ev);
  }

  onEvent(ev: LiveEvent): void {
    if (this.closed || ev.type !== "history" || (ev.stream ?? "history") !== this.q.stream) return;
    if (!this.runs.has(ev.run_id)) return;
    const busy = this.busy.get(ev.run_id);
    if (busy) {
      busy.queued.push(ev);
      return;
    }
    const s = this.data.get(ev.run_id);
    if (!s) {
      this.sync(); // its load failed: the new rows are a reason to try again
      return;
    }
    if (!ev.rows) {
      // A large batch: the feed says which steps arrived; fetch them from the cursor.
      if ((ev.last_step ?? Infinity) >= s.cursor) void this.fetchAfter(s.runId);
      return;
    }
    const p = rowsToPoints(ev.rows, this.q.metric, s.xKey, s.cursor);
    const next = appendPoints(s, p.xs, p.ys, p.cursor);
    if (next === s) return;
    this.data.set(s.runId, next);
    if (next.stale) this.sync();
    else if (next.total !== s.total) this.changed(false);
  }

  /** Ask for new points of running runs (streams the feed does not carry). */
  poll(): void {
    for (const id of this.data.keys()) {
      if (this.runs.get(id)?.run.state === "running") void this.fetchAfter(id);
    }
  }

  close(): void {
    this.closed = true;
    for (const b of this.busy.values()) b.ctrl.abort();
    this.busy.clear();
  }
}

export interface SeriesArgs {
  project: string;
  metric: string;
  stream: Stream;
  runs: readonly ChartRun[];
  x: XChoice;
  zoom: Zoom;
  feed: LiveFeed | null;
  /** Poll running runs' series (system metrics, which the feed does not carry). */
  poll: boolean;
  /** Buckets per run to ask for (read when a load starts). */
  points: () => number;
}

/** The series of a chart's runs, kept current; a new snapshot (a new Map) on each change. */
export function useChartSeries(a: SeriesArgs): SeriesState {
  const [state, setState] = useState<SeriesState>({ series: new Map(), loading: true, error: null });
  const loader = useRef<SeriesLoader | null>(null);
  const runs = useRef(a.runs);
  runs.current = a.runs;
  const timer = useRef(0);
  const frame = useRef(0);
  const gen = `${a.project}|${a.metric}|${a.stream}|${a.x}|${a.zoom ? a.zoom.join(",") : ""}`;

  // Layout effects: the requests leave before the first paint, not a frame after it.
  useLayoutEffect(() => {
    const cancel = () => {
      window.clearTimeout(timer.current);
      cancelAnimationFrame(frame.current);
      timer.current = frame.current = 0;
    };
    const l: SeriesLoader = new SeriesLoader(
      { project: a.project, metric: a.metric, stream: a.stream, x: a.x, zoom: a.zoom, points: a.points() },
      (now) => {
        if (loader.current !== l) return;
        const go = () => {
          cancel();
          setState(l.snapshot());
        };
        if (now) go();
        // While the first load is in flight each run's answer would rebuild the plot: at most
        // every 250 ms then; afterwards once a frame.
        else if (!timer.current && !frame.current) {
          if (l.loading) timer.current = window.setTimeout(go, 250);
          else frame.current = requestAnimationFrame(go);
        }
      },
    );
    loader.current = l;
    setState(l.snapshot());
    l.setRuns(runs.current);
    return () => {
      cancel();
      l.close();
    };
  }, [gen]);

  useLayoutEffect(() => loader.current?.setRuns(a.runs), [a.runs]);

  // Listening before the first request leaves: a row stored after the server answered it and
  // sent before the chart listened would be missed otherwise.
  useLayoutEffect(() => a.feed?.subscribe((ev) => loader.current?.onEvent(ev)), [a.feed]);

  const anyRunning = a.runs.some((r) => r.run.state === "running");
  useEffect(() => {
    if (!a.poll || !anyRunning) return;
    const t = window.setInterval(() => loader.current?.poll(), 3000);
    return () => window.clearInterval(t);
  }, [a.poll, anyRunning]);

  return state;
}
