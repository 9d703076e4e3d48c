// One sweep: its state and controls, progress, the metric over runs with the best so far,
// parallel coordinates (brushing an axis filters the runs everywhere on the page), the metric
// against each parameter, the parameters' importance (computed on the server) and the best runs.
// Refreshed when the live feed says one of the sweep's runs started, changed or ended.
import { useEffect, useMemo, useState } from "preact/hooks";
import { api, type Json, type Sweep, type SweepAnalysis } from "../api";
import { Empty, LiveDot, Spinner, StatePill } from "../components/bits";
import { flatten, fmtNum, relTime } from "../format";
import { useLiveFeed } from "../live";
import { axisOf, ImportanceTable, MetricOverRuns, ParallelCoords, passes, position, rampColor, Scatter, type Axis, type Brush, type SweepPoint } from "../panels/sweepcharts";
import { href } from "../router";
import { SweepState } from "./Sweeps";

type Action = "pause" | "resume" | "stop" | "cancel";

const ACTIONS: Record<string, Action[]> = {
  PENDING: ["pause", "stop", "cancel"],
  RUNNING: ["pause", "stop", "cancel"],
  PAUSED: ["resume", "stop", "cancel"],
};

const ACTION_HELP: Record<Action, string> = {
  pause: "Agents get no new runs until resumed; running runs go on",
  resume: "Agents get new runs again",
  stop: "No new runs; running runs finish on their own",
  cancel: "No new runs, and agents stop their running runs",
};

function Controls({ sweep, onDone }: { sweep: Sweep; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<Action | null>(null);
  const act = async (a: Action) => {
    setBusy(true);
    setErr(null);
    try {
      await api.setSweepState(sweep.id, a);
      onDone();
    } catch (e) {
      setErr((e as Error).message);
    } finally {
      setBusy(false);
      setConfirm(null);
    }
  };
  const actions = ACTIONS[sweep.state] ?? [];
  return (
    <span class="sweep-controls">
      {confirm ? (
        <>
          <span class="warn-text">{confirm === "cancel" ? "Cancel the sweep and stop its running runs?" : "Stop the sweep?"}</span>
          <button class="btn btn-sm btn-danger" disabled={busy} onClick={() => act(confirm)} data-confirm={confirm}>Yes, {confirm}</button>
          <button class="btn btn-sm" onClick={() => setConfirm(null)}>No</button>
        </>
      ) : (
        actions.map((a) => (
          <button
            key={a}
            class={`btn btn-sm${a === "cancel" ? " btn-danger-ghost" : ""}`}
            disabled={busy}
            title={ACTION_HELP[a]}
            data-action={a}
            onClick={() => (a === "stop" || a === "cancel" ? setConfirm(a) : act(a))}
          >
            {a === "pause" ? "❚❚ Pause" : a === "resume" ? "▶ Resume" : a === "stop" ? "■ Stop" : "✕ Cancel"}
          </button>
        ))
      )}
      {err && <span class="error">{err}</span>}
    </span>
  );
}

function Progress({ sweep }: { sweep: Sweep }) {
  const counts = new Map<string, number>();
  for (const r of sweep.runs) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  const order = ["running", "pending", "finished", "failed", "crashed", "killed"];
  const states = [...counts.keys()].sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
  const done = sweep.runs.filter((r) => r.state !== "running" && r.state !== "pending").length;
  const cap = sweep.run_cap;
  return (
    <div class="card sweep-progress" data-runs={sweep.runs.length}>
      <div class="progress-row">
        <span class="progress-total"><b class="num">{sweep.runs.length}</b>{cap ? <span class="muted"> / {cap} runs (run_cap)</span> : <span class="muted"> runs</span>}</span>
        {states.map((s) => (
          <span key={s} class="progress-state" data-state-count={s}>
            <StatePill state={s} /> <span class="num">{counts.get(s)}</span>
          </span>
        ))}
      </div>
      {cap ? (
        <div class="progress-bar" title={`${done} of ${cap} runs done`}>
          <span class="progress-done" style={{ width: `${Math.min(100, (done / cap) * 100)}%` }} />
          <span class="progress-running" style={{ width: `${Math.min(100, ((sweep.runs.length - done) / cap) * 100)}%` }} />
        </div>
      ) : null}
    </div>
  );
}

function configSummary(sweep: Sweep): string {
  const method = typeof sweep.config.method === "string" ? sweep.config.method : "?";
  const m = sweep.metric;
  return m ? `${method} · ${m.goal ?? "minimize"} ${m.name}` : method;
}

export function SweepPage({ project, sweepId }: { project: string; sweepId: string }) {
  const { feed, status } = useLiveFeed(project);
  const [sweep, setSweep] = useState<Sweep | null>(null);
  const [analysis, setAnalysis] = useState<SweepAnalysis | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const [brush, setBrush] = useState<Brush>({});

  const [forest, setForest] = useState<SweepAnalysis["params"] | null>(null);
  useEffect(() => {
    const ctrl = new AbortController();
    // The page draws as soon as the quick analysis is in; the random forest's importances
    // follow (the first one loads scikit-learn on the server).
    Promise.all([api.sweep(sweepId, ctrl.signal), api.sweepAnalysis(sweepId, false, ctrl.signal)])
      .then(([s, a]) => {
        if (ctrl.signal.aborted) return;
        setSweep(s);
        setAnalysis(a);
        setError(null);
      })
      .catch((e: Error) => !ctrl.signal.aborted && setError(e.message));
    api
      .sweepAnalysis(sweepId, true, ctrl.signal)
      .then((a) => !ctrl.signal.aborted && setForest(a.params))
      .catch(() => undefined);
    return () => ctrl.abort();
  }, [sweepId, tick]);

  // Live: the sweep's runs starting, changing or ending (and their metric) refresh the page.
  useEffect(() => {
    if (!feed) return;
    let t: number | undefined;
    const off = feed.subscribe((ev) => {
      if (ev.type !== "run" || ev.run.sweep_id !== sweepId || t !== undefined) return;
      t = window.setTimeout(() => {
        t = undefined;
        setTick((n) => n + 1);
      }, 700);
    });
    return () => {
      off();
      window.clearTimeout(t);
    };
  }, [feed, sweepId]);

  const metric = sweep?.metric?.name ?? analysis?.metric ?? null;
  const goal = sweep?.metric?.goal ?? analysis?.goal ?? "minimize";
  const points: SweepPoint[] = useMemo(() => {
    if (!sweep || !analysis) return [];
    const byId = new Map(sweep.runs.map((r) => [r.id, r]));
    return analysis.progress.map((p, i) => {
      const r = byId.get(p.id);
      return {
        id: p.id,
        name: r?.name ?? p.id,
        index: i + 1,
        params: flatten((r?.params ?? {}) as Record<string, Json>),
        value: typeof p.value === "number" && isFinite(p.value) ? p.value : null,
        best: p.best,
        state: r?.state ?? "?",
      };
    });
  }, [sweep, analysis]);

  const paramNames = useMemo(() => {
    const names = new Set<string>();
    for (const p of points) for (const k of Object.keys(p.params)) names.add(k);
    // The server ranks them by importance; parameters it has not ranked yet follow.
    const ranked = (analysis?.params ?? []).map((p) => p.name).filter((n) => names.has(n));
    return [...ranked, ...[...names].filter((n) => !ranked.includes(n)).sort()];
  }, [points, analysis]);
  const { axes, metricAxis } = useMemo(() => {
    const list: Axis[] = paramNames.map((n) => axisOf(n, points.map((p) => p.params[n])));
    const m = axisOf(metric ?? "metric", points.map((p) => p.value ?? undefined));
    if (metric) list.push(m);
    return { axes: list, metricAxis: m };
  }, [paramNames, points, metric]);
  const valueOf = (r: SweepPoint, a: Axis): Json | undefined => (a === metricAxis ? r.value ?? undefined : r.params[a.name]);
  const selected = useMemo(() => new Set(points.filter((r) => passes(brush, axes, valueOf, r)).map((r) => r.id)), [points, axes, brush]);
  const colorOf = (r: SweepPoint) => {
    if (r.value === null) return "#adb5bd";
    const t = position(metricAxis, r.value) ?? 0.5;
    return rampColor(goal === "maximize" ? t : 1 - t);
  };

  if (error) return <div class="page"><Empty title={`Could not load sweep ${sweepId}`}>{error}</Empty></div>;
  if (!sweep || !analysis) return <div class="page"><Spinner label="Loading sweep…" /></div>;
  const runsById = new Map(sweep.runs.map((r) => [r.id, r]));
  const best = analysis.ranking.filter((id) => selected.has(id)).slice(0, 10);
  const brushed = Object.keys(brush).length > 0;
  return (
    <div class="page sweep-page" data-sweep={sweep.id}>
      <div class="page-head">
        <h1 class="page-title">{sweep.name || `Sweep ${sweep.id}`}</h1>
        <SweepState state={sweep.state} />
        <span class="muted">{configSummary(sweep)} · started {relTime(sweep.created_at)}</span>
        <LiveDot status={status} />
        <span class="spacer" />
        <Controls sweep={sweep} onDone={() => setTick((n) => n + 1)} />
        <a class="btn btn-ghost" href={href.sweeps(project)}>All sweeps</a>
      </div>
      <div class="sweep-hint muted">
        More agents: <code>heron agent {sweep.id}</code> on any machine that reaches this store or server.
      </div>
      <Progress sweep={sweep} />

      {!sweep.runs.length ? (
        <Empty title="No runs yet">Start an agent: <code>heron agent {sweep.id}</code></Empty>
      ) : (
        <div class="sweep-grid">
          <div class="card sweep-card">
            <div class="card-head">
              <span class="card-title">{metric ?? "metric"} over runs</span>
              <span class="muted">{goal}; the line is the best so far</span>
            </div>
            {metric ? <MetricOverRuns points={points} metric={metric} goal={goal} selected={selected} /> : <div class="muted pad">The sweep has no metric.</div>}
          </div>
          <div class="card sweep-card">
            <div class="card-head">
              <span class="card-title">Parameter importance</span>
              <span class="muted">for {metric ?? "the metric"}, over {analysis.runs_used} runs</span>
            </div>
            <ImportanceTable params={forest ?? analysis.params} runsUsed={analysis.runs_used} metric={metric ?? "the metric"} pending={!forest} />
          </div>
          <div class="card sweep-card sweep-wide">
            <div class="card-head">
              <span class="card-title">Parallel coordinates</span>
              <span class="muted" data-selected={selected.size}>
                {brushed ? `${selected.size} of ${points.length} runs in the brushed ranges` : "drag along an axis to filter the runs"}
              </span>
              {brushed && <button class="btn btn-sm btn-ghost" onClick={() => setBrush({})} data-action="clear-brush">Clear</button>}
            </div>
            <ParallelCoords axes={axes} points={points} value={valueOf} color={colorOf} brush={brush} onBrush={setBrush} selected={selected} />
          </div>
          <div class="card sweep-card sweep-wide">
            <div class="card-head">
              <span class="card-title">{metric ?? "metric"} against each parameter</span>
            </div>
            <div class="scatter-grid">
              {axes.filter((a) => a !== metricAxis).map((a) => (
                <Scatter key={a.name} axis={a} metric={metricAxis} points={points} value={(r) => r.params[a.name]} selected={selected} color={colorOf} />
              ))}
            </div>
          </div>
          <div class="card sweep-card sweep-wide">
            <div class="card-head">
              <span class="card-title">Best runs</span>
              <span class="muted">{brushed ? "within the brushed ranges" : `by ${metric ?? "the metric"} (${goal})`}</span>
            </div>
            <table class="table best-runs">
              <thead>
                <tr>
                  <th>#</th>
                  <th>Run</th>
                  <th>State</th>
                  <th class="right">{metric ?? "value"}</th>
                  {paramNames.map((n) => <th key={n}>{n}</th>)}
                </tr>
              </thead>
              <tbody>
                {best.map((id, i) => {
                  const r = runsById.get(id);
                  const pt = points.find((p) => p.id === id);
                  return (
                    <tr key={id} data-run-id={id}>
                      <td class="muted">{i + 1}</td>
                      <td><a class="run-link" href={href.run(project, id)}>{r?.name ?? id}</a></td>
                      <td>{r && <StatePill state={r.state} />}</td>
                      <td class="right num">{pt?.value !== null && pt?.value !== undefined ? fmtNum(pt.value) : "–"}</td>
                      {paramNames.map((n) => {
                        const v = pt?.params[n];
                        return <td key={n} class={typeof v === "number" ? "num" : ""}>{v === undefined ? "–" : typeof v === "number" ? fmtNum(v) : typeof v === "string" ? v : JSON.stringify(v)}</td>;
                      })}
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {!best.length && <div class="muted pad">No run has a value for {metric ?? "the metric"}{brushed ? " in the brushed ranges" : " yet"}.</div>}
          </div>
        </div>
      )}
    </div>
  );
}
