// Hooks that keep a page's data current from the live feed.
import { useEffect, useLayoutEffect, useState } from "preact/hooks";
import { api, ApiError, LiveFeed, type LiveEvent, type LiveStatus, type Run } from "./api";

const NO_PROJECT_RETRY_MS = 3000;

/** The last step a history event carries (its rows, or the range of a large batch). */
export function lastStepOf(ev: LiveEvent): number | null {
  if (ev.type !== "history") return null;
  if (ev.rows && ev.rows.length) return ev.rows[ev.rows.length - 1]._step;
  return ev.last_step ?? null;
}

/** One feed per page for `project` (and optionally one run), closed when the page goes. */
export function useLiveFeed(project: string, run?: string): { feed: LiveFeed | null; status: LiveStatus } {
  const [feed, setFeed] = useState<LiveFeed | null>(null);
  const [status, setStatus] = useState<LiveStatus>("connecting");
  // Layout effects here and below: requests leave before the first paint, not a frame later.
  useLayoutEffect(() => {
    const f = new LiveFeed(project, run);
    setFeed(f);
    setStatus(f.status);
    const off = f.onStatus(setStatus);
    return () => {
      off();
      f.close();
    };
  }, [project, run]);
  return { feed, status };
}

/** The project's runs, newest first; new runs and state changes arrive from the feed. */
export function useRuns(project: string, feed: LiveFeed | null) {
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useLayoutEffect(() => {
    const ctrl = new AbortController();
    let timer: number | undefined;
    setRuns(null);
    setError(null);
    const load = () =>
      api
        .runs(project, ctrl.signal)
        .then(setRuns)
        .catch((e: Error) => {
          if (ctrl.signal.aborted) return;
          // No such project (or not one we may see): no runs yet. Its first run creates it,
          // and the feed cannot follow a project that does not exist: ask again now and then.
          if (e instanceof ApiError && e.status === 404) {
            setRuns((old) => (old && old.length ? old : []));
            timer = window.setTimeout(load, NO_PROJECT_RETRY_MS);
          } else setError(e.message);
        });
    void load();
    return () => {
      ctrl.abort();
      window.clearTimeout(timer);
    };
  }, [project]);

  useEffect(() => {
    if (!feed) return;
    return feed.subscribe((ev) => {
      if (ev.type === "run" && ev.run.project === project) {
        setRuns((old) => {
          if (!old) return old;
          const i = old.findIndex((r) => r.id === ev.run.id);
          if (i < 0) return [ev.run, ...old];
          const next = old.slice();
          next[i] = { ...old[i], ...ev.run };
          return next;
        });
      } else if (ev.type === "history" && (ev.stream ?? "history") === "history") {
        const lastStep = lastStepOf(ev);
        if (lastStep === null) return;
        const added = ev.rows ? ev.rows.length : (ev.last_step ?? 0) - (ev.first_step ?? 0) + 1;
        setRuns((old) => {
          if (!old) return old;
          const i = old.findIndex((r) => r.id === ev.run_id);
          if (i < 0 || old[i].last_step >= lastStep) return old;
          const next = old.slice();
          next[i] = { ...old[i], last_step: lastStep, history_rows: old[i].history_rows + added };
          return next;
        });
      }
    });
  }, [feed, project]);

  return { runs, error, setRuns };
}

/** Re-render every `ms` while `active` (running runs' runtimes tick). */
export function useTick(active: boolean, ms = 1000): number {
  const [n, setN] = useState(0);
  useEffect(() => {
    if (!active) return;
    const t = window.setInterval(() => setN((x) => x + 1), ms);
    return () => window.clearInterval(t);
  }, [active, ms]);
  return n;
}
