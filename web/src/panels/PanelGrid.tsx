// Panels for every logged key, in collapsible sections by key prefix: a chart per numeric
// metric, and media panels for images, histograms, tables, video, audio, HTML and plotly. Each
// panel renders (and asks the server) only once it scrolls near the viewport; the gradients/
// and parameters/ sections that watch() fills start collapsed, so a model with thousands of
// layers does not load them all.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { LiveFeed, Stream } from "../api";
import { usePref } from "../prefs";
import type { ChartRun, ChartSettings, Group } from "./chartdata";
import { LineChart } from "./LineChart";
import { CustomCharts } from "./CustomChart";
import { HistogramPanel } from "./HistogramPanel";
import { sections, useRunKeys, type MediaKind } from "./keys";
import { LazyPanel } from "./LazyPanel";
import { MediaPanel } from "./MediaPanel";
import { PlayerPanel } from "./PlayerPanel";
import { TablePanel } from "./TablePanel";

/** Sections closed until the user opens them: watch()'s histograms, one panel per layer. */
const CLOSED_BY_DEFAULT = new Set(["gradients", "parameters"]);

const PLOT_H = 190;
const FULL_H = () => Math.max(300, window.innerHeight - 220);

interface Props {
  project: string;
  runs: ChartRun[];
  groups?: Group[] | null;
  feed: LiveFeed | null;
  settings: ChartSettings;
  streams: Stream[];
  /** Poll system metrics of running runs (the live feed carries history rows only). */
  pollSystem?: boolean;
  prefKey: string;
  /** "summary": lay panels out from the runs' summaries (workspace of many runs); "keys": ask
   * `/keys` for each run (the run page). */
  keySource?: "summary" | "keys";
  filter?: string;
}

export function PanelGrid(props: Props) {
  const { project, runs, feed, settings } = props;
  const plainRuns = useMemo(() => runs.map((r) => r.run), [runs]);
  const many = props.keySource === "summary";
  const hist = useRunKeys(project, plainRuns, "history", props.streams.includes("history") ? feed : null,
                          many ? "summary" : "keys");
  const sys = useRunKeys(project, props.streams.includes("system") ? plainRuns : [], "system", null,
                         many ? "sample" : "keys");
  const [collapsed, setCollapsed] = usePref<Record<string, boolean>>(`collapsed.${props.prefKey}`, {});
  const [full, setFull] = useState<{ metric: string; stream: Stream } | null>(null);

  // Media keys (images, histograms, tables) and the runs that logged each.
  const mediaKeys = useMemo(() => {
    const m = new Map<string, { kind: MediaKind; runs: Set<string> }>();
    if (!props.streams.includes("history")) return m;
    for (const [runId, keys] of hist.media) {
      for (const [k, kind] of keys) {
        if (!m.has(k)) m.set(k, { kind, runs: new Set() });
        m.get(k)!.runs.add(runId);
      }
    }
    return m;
  }, [hist.media, props.streams.join()]);

  const metricStream = useMemo(() => {
    const m = new Map<string, Stream>();
    if (props.streams.includes("history")) for (const set of hist.keys.values()) for (const k of set) m.set(k, "history");
    if (props.streams.includes("system")) for (const set of sys.keys.values()) for (const k of set) if (!m.has(k)) m.set(k, "system");
    return m;
  }, [hist.keys, sys.keys, props.streams.join()]);

  // Keys with no point in any run (set in a summary by hand, never logged) get no panel.
  const [empty, setEmpty] = useState<Set<string>>(new Set());
  const onEmpty = (m: string) => setEmpty((old) => (old.has(m) ? old : new Set(old).add(m)));
  const q = (props.filter ?? "").trim().toLowerCase();
  const secs = useMemo(
    () => sections([...metricStream.keys(), ...[...mediaKeys.keys()].filter((k) => !metricStream.has(k))]
      .filter((k) => !empty.has(k) && (!q || k.toLowerCase().includes(q)))),
    [metricStream, mediaKeys, q, empty],
  );

  // Runs per metric, memoised so charts only see a new array when their runs change.
  const runsCache = useRef(new Map<string, { sig: string; runs: ChartRun[] }>());
  const runsFor = (metric: string, stream: Stream): ChartRun[] => {
    const km = stream === "system" ? sys.keys : hist.keys;
    const media = stream === "history" ? mediaKeys.get(metric) : undefined;
    const list = runs.filter((r) => (media ? media.runs.has(r.run.id) : km.get(r.run.id)?.has(metric)));
    const sig = list.map((r) => `${r.run.id}:${r.color}:${r.run.state}:${r.run.name}`).join(",");
    const c = runsCache.current.get(`${stream}:${metric}`);
    if (c && c.sig === sig) return c.runs;
    runsCache.current.set(`${stream}:${metric}`, { sig, runs: list });
    return list;
  };

  useEffect(() => {
    if (!full) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && setFull(null);
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [full]);

  const loading = hist.loading || (props.streams.includes("system") && sys.loading);
  if (!runs.length) {
    return <div class="empty-panels">No runs are visible in the charts. Turn on a run's eye in the table.</div>;
  }
  if (!secs.length) {
    return (
      <div class="empty-panels">
        {loading ? "Looking for metrics…" : q ? "No metric matches the panel search." : "No numeric metrics logged yet: call heron.log({...}) in your script."}
      </div>
    );
  }
  return (
    <div class="panel-grid">
      {props.streams.includes("history") && <CustomCharts project={project} runs={runs} feed={feed} filter={props.filter} />}
      {secs.map((sec) => {
        const closed = collapsed[sec.name] ?? CLOSED_BY_DEFAULT.has(sec.name);
        return (
          <section class="section" key={sec.name} data-section={sec.name}>
            <button
              class="section-head"
              aria-expanded={!closed}
              onClick={() => setCollapsed((c) => ({ ...c, [sec.name]: !closed }))}
            >
              <span class={`caret${closed ? "" : " open"}`}>▸</span>
              <span class="section-name">{sec.name}</span>
              <span class="section-count">{sec.metrics.length}</span>
            </button>
            {!closed && (
              <div class="panels">
                {sec.metrics.map((m) => {
                  const media = metricStream.has(m) ? undefined : mediaKeys.get(m);
                  if (media) {
                    const tall = media.kind === "table" ? 380 : media.kind === "histogram" ? PLOT_H + 74 : 300;
                    const kind = media.kind;
                    return (
                      <LazyPanel key={m} minHeight={tall} wide={kind === "table"} class={`panel-${kind}`}>
                        {() => kind === "histogram"
                          ? <HistogramPanel project={project} metric={m} runs={runsFor(m, "history")} feed={feed} height={PLOT_H} />
                          : kind === "table"
                            ? <TablePanel project={project} metric={m} runs={runsFor(m, "history")} feed={feed} />
                            : kind === "image" || kind === "images"
                              ? <MediaPanel project={project} metric={m} runs={runsFor(m, "history")} feed={feed} />
                              : <PlayerPanel project={project} metric={m} kind={kind} runs={runsFor(m, "history")} feed={feed} />}
                      </LazyPanel>
                    );
                  }
                  const stream = metricStream.get(m) ?? "history";
                  return (
                    <LazyPanel key={m} minHeight={PLOT_H + 74}>
                      {() => (
                        <LineChart
                          project={project}
                          metric={m}
                          stream={stream}
                          runs={runsFor(m, stream)}
                          groups={props.groups}
                          settings={settings}
                          feed={feed}
                          height={PLOT_H}
                          poll={stream === "system" && props.pollSystem}
                          onFullscreen={() => setFull({ metric: m, stream })}
                          onEmpty={onEmpty}
                        />
                      )}
                    </LazyPanel>
                  );
                })}
              </div>
            )}
          </section>
        );
      })}
      {full && (
        <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && setFull(null)}>
          <div class="modal modal-chart" role="dialog" aria-label={`${full.metric} fullscreen`}>
            <LineChart
              project={project}
              metric={full.metric}
              stream={full.stream}
              runs={runsFor(full.metric, full.stream)}
              groups={props.groups}
              settings={settings}
              feed={feed}
              height={FULL_H()}
              poll={full.stream === "system" && props.pollSystem}
              fullscreen
              onClose={() => setFull(null)}
            />
          </div>
        </div>
      )}
    </div>
  );
}
