// One run: overview (editable name, tags, notes), config and summary trees, its charts, system
// metrics, console and files. Tabs live in the URL hash (`#/p/P/r/R/logs`).
import { useEffect, useMemo, useState } from "preact/hooks";
import { api, type RunDetail, type RunFile, type RunPatch } from "../api";
import { ArtifactsOfRun } from "./ArtifactsOfRun";
import { ChartToolbar } from "../components/ChartToolbar";
import { Console } from "../components/Console";
import { isModuleTree, ModelTree } from "../components/ModelTree";
import { Tree } from "../components/Tree";
import { StopRun } from "../components/StopRun";
import { Empty, LiveDot, Spinner, StatePill } from "../components/bits";
import { bytes, dateTime, duration, relTime, runtimeOf } from "../format";
import { PALETTE } from "../colors";
import { lastStepOf, useLiveFeed, useTick } from "../live";
import type { ChartSettings } from "../panels/chartdata";
import { useChartRuns, xAxisChoices } from "../panels/chartruns";
import { PanelGrid } from "../panels/PanelGrid";
import { usePref } from "../prefs";
import { href, linkTo } from "../router";

const TABS: [string, string][] = [
  ["overview", "Overview"],
  ["charts", "Charts"],
  ["system", "System"],
  ["logs", "Logs"],
  ["files", "Files"],
  ["artifacts", "Artifacts"],
];

function Editable(props: { value: string; label: string; multiline?: boolean; onSave: (v: string) => Promise<void>; placeholder?: string }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(props.value);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => setDraft(props.value), [props.value]);
  const save = async () => {
    setBusy(true);
    setErr(null);
    try {
      await props.onSave(draft);
      setEditing(false);
    } catch (e) {
      setErr((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  if (!editing) {
    return (
      <span class={`editable${props.multiline ? " multiline" : ""}`}>
        <span class={props.value ? "" : "muted"}>{props.value || props.placeholder || "–"}</span>
        <button class="icon-btn" title={`Edit ${props.label}`} aria-label={`Edit ${props.label}`} onClick={() => setEditing(true)}>
          ✎
        </button>
      </span>
    );
  }
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      setDraft(props.value);
      setEditing(false);
    } else if (e.key === "Enter" && (!props.multiline || e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void save();
    }
  };
  return (
    <span class="editing">
      {props.multiline ? (
        <textarea class="input" rows={3} value={draft} aria-label={props.label} onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)} onKeyDown={onKey} autoFocus />
      ) : (
        <input class="input" value={draft} aria-label={props.label} onInput={(e) => setDraft((e.target as HTMLInputElement).value)} onKeyDown={onKey} autoFocus />
      )}
      <button class="btn btn-sm btn-primary" onClick={save} disabled={busy}>
        Save
      </button>
      <button class="btn btn-sm" onClick={() => { setDraft(props.value); setEditing(false); }}>
        Cancel
      </button>
      {err && <span class="error">{err}</span>}
    </span>
  );
}

function TagEditor(props: { tags: string[]; onSave: (tags: string[]) => Promise<void> }) {
  const [adding, setAdding] = useState("");
  const [err, setErr] = useState<string | null>(null);
  const save = (tags: string[]) => props.onSave(tags).catch((e: Error) => setErr(e.message));
  return (
    <span class="tag-editor">
      {props.tags.map((t) => (
        <span class="tag" key={t}>
          {t}
          <button class="tag-x" aria-label={`Remove tag ${t}`} title="Remove tag" onClick={() => save(props.tags.filter((x) => x !== t))}>
            ×
          </button>
        </span>
      ))}
      <input
        class="input input-sm tag-input"
        placeholder="+ tag"
        aria-label="Add tag"
        value={adding}
        onInput={(e) => setAdding((e.target as HTMLInputElement).value)}
        onKeyDown={(e) => {
          const v = adding.trim();
          if (e.key === "Enter" && v) {
            if (!props.tags.includes(v)) void save([...props.tags, v]);
            setAdding("");
          }
        }}
      />
      {err && <span class="error">{err}</span>}
    </span>
  );
}

function Overview({ run, onPatch }: { run: RunDetail; onPatch: (p: RunPatch) => Promise<void> }) {
  const md = run.metadata ?? {};
  const git = md.git ?? {};
  const command = [md.program, ...(md.args ?? [])].filter(Boolean).join(" ");
  const rows: [string, preact.ComponentChildren][] = [
    ["State", <StatePill state={run.state} />],
    ["Created", `${dateTime(run.created_at)} (${relTime(run.created_at)})`],
    ["Ended", run.ended_at ? dateTime(run.ended_at) : run.state === "running" ? "still running" : "–"],
    ["Runtime", duration(runtimeOf(run))],
    ["Last step", run.history_rows ? String(run.last_step) : "–"],
    ["Host", run.host ?? md.host ?? "–"],
    ["User", run.user ?? "–"],
    ["OS", md.os ?? "–"],
    ["Python", md.python ? `${md.python}${md.executable ? `  (${md.executable})` : ""}` : "–"],
    ["Command", command ? <code class="wrap">{command}</code> : "–"],
    ["Working dir", md.cwd ? <code>{md.cwd}</code> : "–"],
    [
      "Git",
      git.commit ? (
        <span>
          <code title={git.commit}>{git.commit.slice(0, 12)}</code>
          {git.branch ? <span class="muted"> on {git.branch}</span> : null}
          {git.dirty ? <span class="badge warn">dirty</span> : null}
          {git.remote ? <span class="muted"> · {git.remote}</span> : null}
        </span>
      ) : (
        "–"
      ),
    ],
  ];
  if (run.group) rows.push(["Group", run.group]);
  if (run.job_type) rows.push(["Job type", run.job_type]);
  if (run.sweep_id) rows.push(["Sweep", <a href={href.sweep(linkTo(run), run.sweep_id)} class="sweep-link">{run.sweep_id}</a>]);
  if (run.exit_code !== null && run.exit_code !== undefined) rows.push(["Exit code", String(run.exit_code)]);
  rows.push(["Run id", <code>{run.id}</code>]);
  return (
    <div class="overview">
      <div class="card info-card">
        <dl class="kv">
          <dt>Name</dt>
          <dd>
            <Editable label="name" value={run.name} onSave={(name) => onPatch({ name })} />
          </dd>
          <dt>Tags</dt>
          <dd>
            <TagEditor tags={run.tags} onSave={(tags) => onPatch({ tags })} />
          </dd>
          <dt>Notes</dt>
          <dd>
            <Editable label="notes" multiline value={run.notes ?? ""} placeholder="Add notes" onSave={(notes) => onPatch({ notes })} />
          </dd>
          {rows.map(([k, v]) => [<dt key={`k-${k}`}>{k}</dt>, <dd key={`v-${k}`}>{v}</dd>])}
        </dl>
        {run.traceback && (
          <div class="traceback">
            <div class="card-title">Traceback</div>
            <pre>{run.traceback}</pre>
          </div>
        )}
      </div>
      <div class="trees">
        <Tree label="Config" data={run.config} />
        <Tree label="Summary" data={run.summary} />
      </div>
    </div>
  );
}

function Files({ project, runId }: { project: string; runId: string }) {
  const [files, setFiles] = useState<RunFile[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    api.files(project, runId).then(setFiles).catch((e: Error) => setErr(e.message));
  }, [project, runId]);
  if (err) return <Empty title="Could not list files">{err}</Empty>;
  if (!files) return <Spinner />;
  if (!files.length) return <Empty title="No files">Attach files with <code>heron.save("path/*.pt")</code>.</Empty>;
  return (
    <table class="table files-table">
      <thead>
        <tr>
          <th>Name</th>
          <th class="right">Size</th>
          <th>Updated</th>
          <th>SHA-256</th>
        </tr>
      </thead>
      <tbody>
        {files.map((f) => (
          <tr key={f.name}>
            <td>
              <a href={api.fileUrl(project, runId, f.name)} download={f.name.split("/").pop()}>
                {f.name}
              </a>
            </td>
            <td class="right num">{bytes(f.size)}</td>
            <td>{dateTime(f.updated_at)}</td>
            <td><code class="muted">{f.sha256.slice(0, 16)}</code></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function RunPage({ project, runId, tab }: { project: string; runId: string; tab: string }) {
  const { feed, status } = useLiveFeed(project, runId);
  const [run, setRun] = useState<RunDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [settings, setSettings] = usePref<ChartSettings>(`chart.${project}`, { x: "_step", smoothing: 0, logY: false });
  const [panelFilter, setPanelFilter] = useState("");
  useTick(run?.state === "running", 1000);

  useEffect(() => {
    const ctrl = new AbortController();
    setRun(null);
    setError(null);
    api.run(project, runId, ctrl.signal).then(setRun).catch((e: Error) => !ctrl.signal.aborted && setError(e.message));
    return () => ctrl.abort();
  }, [project, runId]);

  useEffect(() => {
    if (!feed) return;
    return feed.subscribe((ev) => {
      if (ev.type === "run" && ev.run.id === runId) setRun((old) => (old ? { ...old, ...ev.run } : old));
      else if (ev.type === "history" && ev.run_id === runId && (ev.stream ?? "history") === "history") {
        const last = lastStepOf(ev);
        if (last === null) return;
        const added = ev.rows ? ev.rows.length : (ev.last_step ?? 0) - (ev.first_step ?? 0) + 1;
        setRun((old) => (old && last > old.last_step ? { ...old, last_step: last, history_rows: old.history_rows + added } : old));
      }
    });
  }, [feed, runId]);

  const runList = useMemo(() => (run ? [run] : []), [run]);
  const chartRuns = useChartRuns(runList, () => PALETTE[0]);
  const xMetrics = useMemo(() => xAxisChoices(runList), [runList]);

  // A 401 shows the sign-in page; a 403 (not the run's owner) is the edit's own error.
  const onPatch = async (p: RunPatch) => {
    const res = await api.patchRun(project, runId, p);
    setRun((old) => {
      if (!old) return old;
      const merged = { ...old, ...p };
      if (res && typeof res === "object" && "id" in res) Object.assign(merged, res);
      return merged;
    });
  };

  if (error) return <div class="page"><Empty title={`Could not load run ${runId}`}>{error}</Empty></div>;
  if (!run) return <div class="page"><Spinner label="Loading run…" /></div>;
  // watch(model, log_graph=True) keeps each model's module tree in summary["graph_<n>"].
  const graphs = Object.entries(run.summary ?? {}).filter(([k, v]) => /^graph_\d+$/.test(k) && isModuleTree(v));
  const tabs = graphs.length ? [...TABS.slice(0, 3), ["model", "Model"] as [string, string], ...TABS.slice(3)] : TABS;
  return (
    <div class="page run-page">
      <div class="page-head">
        <h1 class="page-title run-title" title={run.name}>{run.name}</h1>
        <StatePill state={run.state} />
        <span class="muted">{duration(runtimeOf(run))}</span>
        <LiveDot status={status} />
        <StopRun project={project} run={run} onStopped={(stopped) => setRun((old) => (old ? { ...old, ...stopped } : old))} />
        <span class="spacer" />
        <a class="btn btn-ghost" href={href.workspace(project)}>← {project}</a>
      </div>
      <nav class="tabs" role="tablist">
        {tabs.map(([id, label]) => (
          <a key={id} role="tab" aria-selected={tab === id} class={`tab${tab === id ? " active" : ""}`} href={href.run(project, runId, id)} data-tab={id}>
            {label}
          </a>
        ))}
      </nav>
      {tab === "overview" && <Overview run={run} onPatch={onPatch} />}
      {(tab === "charts" || tab === "system") && (
        <>
          <ChartToolbar settings={settings} onChange={setSettings} xMetrics={xMetrics} panelFilter={panelFilter} onPanelFilter={setPanelFilter} />
          <PanelGrid
            key={tab}
            project={project}
            runs={chartRuns}
            feed={feed}
            settings={settings}
            streams={tab === "charts" ? ["history"] : ["system"]}
            pollSystem
            prefKey={`run.${tab}`}
            filter={panelFilter}
          />
        </>
      )}
      {tab === "model" && (graphs.length ? (
        <div class="model-trees">
          {graphs.map(([k, v]) => isModuleTree(v) && <ModelTree key={k} name={k} value={v} />)}
        </div>
      ) : (
        <Empty title="No model graph">Call <code>heron.watch(model, log_graph=True)</code> to record the module tree.</Empty>
      ))}
      {tab === "logs" && <Console project={project} runId={runId} running={run.state === "running"} feed={feed} />}
      {tab === "files" && <Files project={project} runId={runId} />}
      {tab === "artifacts" && <ArtifactsOfRun project={project} runId={runId} />}
    </div>
  );
}
