// The projects page: every project with its run count and last activity, and a search box.
import { useEffect, useMemo, useState } from "preact/hooks";
import { api, type Project } from "../api";
import { Empty, Spinner } from "../components/bits";
import { dateTime, relTime } from "../format";
import { href } from "../router";

export function Projects() {
  const [projects, setProjects] = useState<Project[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [q, setQ] = useState("");

  useEffect(() => {
    let stop = false;
    const load = () =>
      api
        .projects()
        .then((p) => {
          if (!stop) {
            setProjects(p);
            setError(null);
          }
        })
        .catch((e: Error) => !stop && setError(e.message));
    void load();
    // The feed is per project; the list of projects is refreshed every few seconds instead.
    const t = window.setInterval(load, 5000);
    return () => {
      stop = true;
      window.clearInterval(t);
    };
  }, []);

  // A name two entities share: each link names its entity (`""` too), so each opens its own.
  const shared = useMemo(() => {
    const seen = new Map<string, number>();
    for (const p of projects ?? []) seen.set(p.name, (seen.get(p.name) ?? 0) + 1);
    return new Set([...seen].filter(([, n]) => n > 1).map(([name]) => name));
  }, [projects]);

  const shown = useMemo(() => {
    const list = (projects ?? []).filter((p) => !q || p.name.toLowerCase().includes(q.toLowerCase()) || p.entity.toLowerCase().includes(q.toLowerCase()));
    return list.sort((a, b) => (b.last_activity ?? b.created_at) - (a.last_activity ?? a.created_at));
  }, [projects, q]);

  if (error && !projects) {
    return (
      <div class="page">
        <Empty title="Cannot reach the Heron server">{error}</Empty>
      </div>
    );
  }
  if (!projects) return <div class="page"><Spinner /></div>;
  if (!projects.length) {
    return (
      <div class="page">
        <Empty title="No projects yet">
          Log your first runs with <code>python examples/quickstart.py</code>, or add{" "}
          <code>import heron as wandb</code> to a training script. They appear here as soon as they start.
        </Empty>
      </div>
    );
  }
  return (
    <div class="page projects">
      <div class="page-head">
        <h1 class="page-title">Projects</h1>
        <span class="muted">{projects.length}</span>
        <span class="spacer" />
        <input
          class="input project-search"
          type="search"
          placeholder="Search projects"
          aria-label="Search projects"
          value={q}
          onInput={(e) => setQ((e.target as HTMLInputElement).value)}
          autoFocus
        />
      </div>
      <table class="table project-table">
        <thead>
          <tr>
            <th>Project</th>
            <th class="right">Runs</th>
            <th>Last activity</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((p) => (
            <tr key={`${p.entity}/${p.name}`} data-project={p.name} data-entity={p.entity}>
              <td>
                <a class="project-link" href={href.workspace({ name: p.name, entity: p.entity || shared.has(p.name) ? p.entity : undefined })}>
                  {p.entity ? <span class="muted">{p.entity} / </span> : shared.has(p.name) ? <span class="muted">(no entity) / </span> : null}
                  {p.name}
                </a>
              </td>
              <td class="right num">{p.run_count}</td>
              <td title={dateTime(p.last_activity)}>{relTime(p.last_activity)}</td>
              <td title={dateTime(p.created_at)}>{dateTime(p.created_at).slice(0, 10)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!shown.length && <div class="table-empty">No project matches “{q}”.</div>}
    </div>
  );
}
