// A project's sweeps: state, method, when each began; each opens its sweep page.
import { useEffect, useState } from "preact/hooks";
import { api, type SweepListItem } from "../api";
import { Empty, Spinner } from "../components/bits";
import { dateTime, relTime } from "../format";
import { useLiveFeed } from "../live";
import { href } from "../router";

export function SweepState({ state }: { state: string }) {
  const cls: Record<string, string> = {
    RUNNING: "st-running", FINISHED: "st-finished", CANCELED: "st-killed", PAUSED: "st-crashed", PENDING: "st-other",
  };
  return (
    <span class={`state ${cls[state] ?? "st-other"}`} data-sweep-state={state}>
      {state === "RUNNING" && <span class="pulse" />}
      {state.toLowerCase()}
    </span>
  );
}

export function Sweeps({ project }: { project: string }) {
  const [sweeps, setSweeps] = useState<SweepListItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const { feed } = useLiveFeed(project);
  useEffect(() => {
    const ctrl = new AbortController();
    api.sweeps(project, ctrl.signal).then(setSweeps).catch((e: Error) => !ctrl.signal.aborted && setError(e.message));
    return () => ctrl.abort();
  }, [project, tick]);
  // A new sweep's first run, or a run ending, may change the list's states.
  useEffect(() => {
    if (!feed) return;
    let t: number | undefined;
    const off = feed.subscribe((ev) => {
      if (ev.type !== "run" || !ev.run.sweep_id || t !== undefined) return;
      t = window.setTimeout(() => {
        t = undefined;
        setTick((n) => n + 1);
      }, 1000);
    });
    return () => {
      off();
      window.clearTimeout(t);
    };
  }, [feed]);

  if (error) return <div class="page"><Empty title="Could not list sweeps">{error}</Empty></div>;
  if (!sweeps) return <div class="page"><Spinner /></div>;
  return (
    <div class="page sweeps-page">
      <div class="page-head">
        <h1 class="page-title">Sweeps</h1>
        <span class="muted">{sweeps.length} in {project}</span>
        <span class="spacer" />
        <a class="btn btn-ghost" href={href.workspace(project)}>← {project}</a>
      </div>
      {!sweeps.length ? (
        <Empty title="No sweeps yet">
          Start one with <code>heron sweep sweep.yaml</code> (or <code>heron.sweep(config, project="{project}")</code>), then run{" "}
          <code>heron agent SWEEP_ID</code> on as many machines as you like.
        </Empty>
      ) : (
        <table class="table sweep-table">
          <thead>
            <tr>
              <th>Sweep</th>
              <th>State</th>
              <th>Method</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {sweeps.map((s) => (
              <tr key={s.id} data-sweep={s.id}>
                <td>
                  <a class="sweep-link" href={href.sweep(project, s.id)}>
                    {s.name || s.id}
                  </a>
                  {s.name ? <span class="muted"> {s.id}</span> : null}
                </td>
                <td><SweepState state={s.state} /></td>
                <td>{s.method ?? "–"}</td>
                <td title={dateTime(s.created_at)}>{relTime(s.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
