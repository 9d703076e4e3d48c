// A project's workspace: the runs table (filter, sort, colours, eyes, selection) and below it
// a chart panel for every numeric metric, all kept live from the feed.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, type Run, type RunIds, type RunQuery } from "../api";
import { PALETTE, runColors } from "../colors";
import { ChartToolbar } from "../components/ChartToolbar";
import { Empty, LiveDot, Spinner } from "../components/bits";
import { builtinColumns, dataColumn, RunsTable, type Column, type Sort } from "../components/RunsTable";
import { flat } from "../filter";
import { fmtValue } from "../format";
import { useLiveFeed, useRuns, useTick } from "../live";
import type { ChartSettings, Group } from "../panels/chartdata";
import { useChartRuns, xAxisChoices } from "../panels/chartruns";
import { PanelGrid } from "../panels/PanelGrid";
import { usePref } from "../prefs";
import { href } from "../router";
import { AccessButton } from "./ProjectAccess";

const CHART_LIMITS = [5, 10, 20, 50, 100, 0];

function keyStats(runs: Run[], kind: "config" | "summary"): string[] {
  const counts = new Map<string, number>();
  for (const r of runs.slice(0, 500)) {
    const f = flat(r)[kind];
    for (const [k, v] of Object.entries(f)) {
      if (k.startsWith("_")) continue;
      if (kind === "summary" && typeof v !== "number" && !/^(NaN|-?Infinity)$/.test(String(v))) continue;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map((e) => e[0]);
}

function ColumnPicker(props: {
  config: string[];
  summary: string[];
  chosen: string[];
  onChange: (ids: string[]) => void;
}) {
  const [open, setOpen] = useState(false);
  const [q, setQ] = useState("");
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => ref.current && !ref.current.contains(e.target as Node) && setOpen(false);
    document.addEventListener("mousedown", close);
    return () => document.removeEventListener("mousedown", close);
  }, [open]);
  const toggle = (id: string) =>
    props.onChange(props.chosen.includes(id) ? props.chosen.filter((c) => c !== id) : [...props.chosen, id]);
  const list = (kind: "config" | "summary", keys: string[]) =>
    keys
      .filter((k) => !q || k.toLowerCase().includes(q.toLowerCase()))
      .slice(0, 200)
      .map((k) => {
        const id = `${kind}:${k}`;
        return (
          <label class="pick" key={id}>
            <input type="checkbox" checked={props.chosen.includes(id)} onChange={() => toggle(id)} />
            <span>{k}</span>
          </label>
        );
      });
  return (
    <div class="popover-wrap" ref={ref}>
      <button class="btn" onClick={() => setOpen(!open)} aria-expanded={open}>
        Columns ▾
      </button>
      {open && (
        <div class="popover">
          <input class="input" type="search" placeholder="Find a key" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
          <div class="pick-group">Config</div>
          {list("config", props.config)}
          <div class="pick-group">Summary</div>
          {list("summary", props.summary)}
        </div>
      )}
    </div>
  );
}

/**
 * The table's run ids in order, from the server, for `query`; asked again (at most every
 * half second) when runs start or change, and when the project's first run appears (`exists`).
 * `appliedSort`: the sort the ids are in.
 */
function useRunOrder(project: string, query: RunQuery, sort: Sort, feed: ReturnType<typeof useLiveFeed>["feed"], exists: boolean) {
  const [result, setResult] = useState<{ order: RunIds; sort: Sort; query: RunQuery } | null>(null);
  const [tick, setTick] = useState(0);
  const sig = JSON.stringify(query);
  const first = useRef(true);
  useLayoutEffect(() => {
    const ctrl = new AbortController();
    // Typing in the filter box asks once the typing pauses; the first load asks at once.
    const ask = () =>
      api
        .runIds(project, query, ctrl.signal)
        .then((order) => !ctrl.signal.aborted && setResult({ order, sort, query }))
        .catch(() => undefined);
    const t = first.current ? (void ask(), undefined) : window.setTimeout(ask, 120);
    first.current = false;
    return () => {
      window.clearTimeout(t);
      ctrl.abort();
    };
  }, [project, sig, tick, exists]);
  useEffect(() => {
    if (!feed) return;
    let timer: number | undefined;
    const off = feed.subscribe((ev) => {
      if (ev.type !== "run" || timer !== undefined) return;
      timer = window.setTimeout(() => {
        timer = undefined;
        setTick((n) => n + 1);
      }, 500);
    });
    return () => {
      off();
      window.clearTimeout(timer);
    };
  }, [feed]);
  return {
    order: result?.order ?? null,
    appliedSort: result ? result.sort : sort,
    applied: result?.query ?? null,
    busy: !result || JSON.stringify(result.query) !== sig,
  };
}

export function Workspace({ project }: { project: string }) {
  const { feed, status } = useLiveFeed(project);
  const { runs, error } = useRuns(project, feed);
  const [filterText, setFilterText] = usePref<string>(`filter.${project}`, "");
  const [stateFilter, setStateFilter] = useState("");
  const [tagFilter, setTagFilter] = useState("");
  const [sort, setSort] = usePref<Sort>(`sort.${project}`, null);
  const [hiddenList, setHiddenList] = usePref<string[]>(`hidden.${project}`, []);
  const [chosenCols, setChosenCols] = usePref<string[] | null>(`columns.${project}`, null);
  const [chartLimit, setChartLimit] = usePref<number>("chartLimit", 20);
  const [settings, setSettings] = usePref<ChartSettings>(`chart.${project}`, { x: "_step", smoothing: 0, logY: false });
  const [panelFilter, setPanelFilter] = useState("");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [tall, setTall] = usePref<boolean>("tableTall", false);
  const [groupBy, setGroupBy] = usePref<string>(`groupBy.${project}`, "");
  const anyRunning = !!runs?.some((r) => r.state === "running");
  const [sweepCount, setSweepCount] = useState(0);
  const sweepRuns = !!runs?.some((r) => r.sweep_id);
  useEffect(() => {
    const ctrl = new AbortController();
    api.sweeps(project, ctrl.signal).then((l) => setSweepCount(l.length)).catch(() => undefined);
    return () => ctrl.abort();
  }, [project, sweepRuns]);
  useTick(anyRunning, 1000);

  const hidden = useMemo(() => new Set(hiddenList), [hiddenList]);

  // "/" focuses the filter box (as in most web apps), unless the user is typing somewhere.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (e.key !== "/" || t.closest("input, textarea, select, [contenteditable]")) return;
      e.preventDefault();
      document.querySelector<HTMLInputElement>(".filter-input")?.focus();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  const colors = useMemo(() => runColors(runs ?? []), [runs?.length, runs?.[0]?.id]);
  const configKeys = useMemo(() => (runs ? keyStats(runs, "config") : []), [runs]);
  const summaryKeys = useMemo(() => (runs ? keyStats(runs, "summary") : []), [runs]);
  const allTags = useMemo(() => [...new Set((runs ?? []).flatMap((r) => r.tags))].sort(), [runs]);

  const columnIds = chosenCols ?? [
    ...configKeys.slice(0, 4).map((k) => `config:${k}`),
    ...summaryKeys.filter((k) => !k.startsWith("system/")).slice(0, 4).map((k) => `summary:${k}`),
  ];
  const columns: Column[] = useMemo(
    () => [
      ...(groupBy ? [{ ...dataColumn("config", groupBy), id: "group", label: `group: ${groupBy}`, width: 120 }] : []),
      ...builtinColumns(project),
      ...columnIds.map((id) => {
        const i = id.indexOf(":");
        return dataColumn(id.slice(0, i) as "config" | "summary", id.slice(i + 1));
      }),
    ],
    [project, columnIds.join("\n"), groupBy],
  );

  // The server filters and orders the table; the page keeps the runs themselves current.
  const query: RunQuery = {
    filter: filterText.trim(),
    state: stateFilter,
    tag: tagFilter,
    sort: sort ? (sort.col === "group" ? `config:${groupBy}` : sort.col) : "",
    order: sort && sort.dir === -1 ? "desc" : "asc",
    group: groupBy,
  };
  const { order, appliedSort, applied, busy } = useRunOrder(project, query, sort, feed, !!runs?.length);
  const shown = useMemo(() => {
    if (!runs || !order) return [];
    const byId = new Map(runs.map((r) => [r.id, r]));
    return order.ids.map((id) => byId.get(id)).filter((r): r is Run => !!r);
  }, [runs, order]);

  const chartRunIds = useMemo(() => {
    const visible = shown.filter((r) => !hidden.has(r.id));
    return chartLimit > 0 ? visible.slice(0, chartLimit) : visible;
  }, [shown, hidden, chartLimit]);
  const inCharts = useMemo(() => new Set(chartRunIds.map((r) => r.id)), [chartRunIds]);

  const chartRuns = useChartRuns(chartRunIds, (id) => colors.get(id) ?? "#888");

  // Grouping: the chart runs by the value of one config key (mean line, min-max band per group).
  const groupsRef = useRef<{ sig: string; groups: Group[] | null }>({ sig: "", groups: null });
  const groupSig = groupBy ? chartRuns.map((c) => `${c.run.id}=${JSON.stringify(flat(c.run).config[groupBy] ?? null)}`).join("|") : "";
  if (groupsRef.current.sig !== `${groupBy}:${groupSig}`) {
    let groups: Group[] | null = null;
    if (groupBy) {
      const by = new Map<string, string[]>();
      for (const c of chartRuns) {
        const v = flat(c.run).config[groupBy];
        const label = v === undefined ? "(none)" : fmtValue(v);
        if (!by.has(label)) by.set(label, []);
        by.get(label)!.push(c.run.id);
      }
      groups = [...by.entries()]
        .sort((a, b) => a[0].localeCompare(b[0], undefined, { numeric: true }))
        .map(([label, ids], i) => ({ key: label, label: `${groupBy}=${label}`, color: PALETTE[i % PALETTE.length], runIds: ids }));
    }
    groupsRef.current = { sig: `${groupBy}:${groupSig}`, groups };
  }
  const groups = groupsRef.current.groups;

  const xMetrics = useMemo(() => xAxisChoices(runs ?? []), [runs]);

  const onToggleHidden = (ids: string[], hide: boolean) => {
    setHiddenList((old) => {
      const s = new Set(old);
      for (const id of ids) hide ? s.add(id) : s.delete(id);
      return [...s];
    });
  };
  const onSelect = (ids: string[], on: boolean) => {
    setSelected((old) => {
      const s = new Set(old);
      for (const id of ids) on ? s.add(id) : s.delete(id);
      return s;
    });
  };

  if (error) {
    return (
      <div class="page">
        <Empty title={`Could not load project “${project}”`}>{error}</Empty>
      </div>
    );
  }
  if (!runs) return <div class="page"><Spinner label="Loading runs…" /></div>;
  if (!runs.length) {
    return (
      <div class="page">
        <Empty title="No runs yet">
          Run <code>python examples/quickstart.py</code> (or any script that calls <code>heron.init()</code> with{" "}
          <code>project="{project}"</code>): runs appear here live.
        </Empty>
      </div>
    );
  }
  if (!order) return <div class="page"><Spinner label="Loading runs…" /></div>;

  const selectedIds = [...selected].filter((id) => runs.some((r) => r.id === id));
  return (
    <div class="page workspace">
      <div class="page-head">
        <h1 class="page-title">{project}</h1>
        <span class="muted run-count" data-testid="run-count">
          {shown.length === runs.length ? `${runs.length} runs` : `${shown.length} of ${runs.length} runs`}
        </span>
        <LiveDot status={status} />
        <span class="spacer" />
        <AccessButton project={project} />
        <a class="btn btn-ghost" href={href.sweeps(project)} data-action="sweeps" title="This project's hyperparameter sweeps">
          Sweeps{sweepCount ? ` (${sweepCount})` : ""}
        </a>
        <a class="btn btn-ghost" href={href.artifacts(project)} data-action="artifacts" title="This project's datasets, models and other artifacts">
          Artifacts
        </a>
        {selectedIds.length > 0 && (
          <button class="btn btn-ghost" onClick={() => setSelected(new Set())}>
            Clear selection
          </button>
        )}
        <a
          class={`btn${selectedIds.length >= 2 ? " btn-primary" : " btn-disabled"}`}
          href={selectedIds.length >= 2 ? href.compare(project, selectedIds) : undefined}
          aria-disabled={selectedIds.length < 2}
          title={selectedIds.length < 2 ? "Select two or more runs to compare" : "Compare the selected runs"}
          data-action="compare"
        >
          Compare{selectedIds.length ? ` (${selectedIds.length})` : ""}
        </a>
      </div>

      <div class="toolbar">
        <input
          class="input filter-input"
          type="search"
          placeholder="Filter (/): text, lr > 0.01, state:running, tag:x"
          aria-label="Filter runs"
          value={filterText}
          onInput={(e) => setFilterText((e.target as HTMLInputElement).value)}
        />
        <select class="select" aria-label="State" value={stateFilter} onChange={(e) => setStateFilter((e.target as HTMLSelectElement).value)}>
          <option value="">All states</option>
          {["running", "finished", "failed", "crashed", "killed"].map((s) => (
            <option value={s} key={s}>
              {s}
            </option>
          ))}
        </select>
        <select class="select" aria-label="Tag" value={tagFilter} onChange={(e) => setTagFilter((e.target as HTMLSelectElement).value)}>
          <option value="">All tags</option>
          {allTags.map((t) => (
            <option value={t} key={t}>
              {t}
            </option>
          ))}
        </select>
        <ColumnPicker config={configKeys} summary={summaryKeys} chosen={columnIds} onChange={setChosenCols} />
        <label class="field" title="Group the charts' runs by a config value: mean line and min-max band per group">
          <span>Group by</span>
          <select class="select" aria-label="Group by" value={groupBy} onChange={(e) => setGroupBy((e.target as HTMLSelectElement).value)}>
            <option value="">none</option>
            {configKeys.map((k) => (
              <option value={k} key={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <span class="spacer" />
        <label class="field" title="How many of the visible runs (in table order) the charts draw">
          <span>Charts show</span>
          <select class="select" aria-label="Runs in charts" value={String(chartLimit)} onChange={(e) => setChartLimit(Number((e.target as HTMLSelectElement).value))}>
            {CHART_LIMITS.map((n) => (
              <option value={String(n)} key={n}>
                {n === 0 ? "all" : `first ${n}`}
              </option>
            ))}
          </select>
          <span>runs</span>
        </label>
        <button class="btn btn-ghost" onClick={() => setTall(!tall)} title="Table height">
          {tall ? "▴ Shorter" : "▾ Taller"}
        </button>
      </div>

      <RunsTable
        project={project}
        runs={shown}
        columns={columns}
        colors={colors}
        hidden={hidden}
        inCharts={inCharts}
        selected={selected}
        sort={appliedSort}
        busy={busy}
        appliedFilter={applied?.filter ?? ""}
        height={tall ? 560 : Math.min(300, 34 + Math.max(shown.length, 3) * 30)}
        onSort={setSort}
        onToggleHidden={onToggleHidden}
        onSelect={onSelect}
      />

      <ChartToolbar
        settings={settings}
        onChange={setSettings}
        xMetrics={xMetrics}
        panelFilter={panelFilter}
        onPanelFilter={setPanelFilter}
      >
        <span class="muted chart-runs-note">
          {chartRuns.length} run{chartRuns.length === 1 ? "" : "s"} in charts{groups ? `, ${groups.length} groups` : ""}
        </span>
      </ChartToolbar>

      <PanelGrid
        project={project}
        runs={chartRuns}
        groups={groups}
        feed={feed}
        settings={settings}
        streams={["history", "system"]}
        pollSystem
        keySource="summary"
        prefKey={project}
        filter={panelFilter}
      />
    </div>
  );
}
