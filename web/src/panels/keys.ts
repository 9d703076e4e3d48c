// Which numeric metrics each run has (from `/keys`), kept current by the live feed.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api, type LiveFeed, type Run, type Stream } from "../api";
import { Limiter } from "../limit";
import { metricDef } from "./chartdata";

export type KeyMap = Map<string, Set<string>>; // run id -> metric keys

/** Media kinds that get a panel of their own, by the `_type` of a logged value. */
export type MediaKind = "image" | "images" | "histogram" | "table" | PlayerKind;
/** Kinds drawn by PlayerPanel: one file per value, played or shown as it is. */
export type PlayerKind = "video" | "audio" | "html" | "plotly";
export type MediaMap = Map<string, Map<string, MediaKind>>; // run id -> media key -> kind

const MEDIA_TYPES: Record<string, MediaKind> = {
  "image-file": "image",
  "images/separated": "images",
  histogram: "histogram",
  "table-file": "table",
  "video-file": "video",
  "audio-file": "audio",
  "html-file": "html",
  "plotly-file": "plotly",
  videos: "video",
  audio: "audio",
  html: "html",
};

export function mediaKindOf(v: unknown): MediaKind | null {
  if (v && typeof v === "object" && !Array.isArray(v)) {
    const t = (v as Record<string, unknown>)._type;
    if (typeof t === "string" && t in MEDIA_TYPES) return MEDIA_TYPES[t];
  }
  return null;
}

function isMediaKind(kind: string): kind is MediaKind {
  return Object.values(MEDIA_TYPES).includes(kind as MediaKind);
}

/** The media keys a run logged, from its summary (the last value of each key). */
export function summaryMedia(run: Run): Map<string, MediaKind> {
  const out = new Map<string, MediaKind>();
  if (!run.history_rows) return out;
  for (const [k, v] of Object.entries(run.summary ?? {})) {
    const kind = mediaKindOf(v);
    if (kind && chartable(k)) out.set(k, kind);
  }
  return out;
}

const keysLimiter = new Limiter(4);

function chartable(key: string): boolean {
  return !key.startsWith("_");
}

const AGGREGATES = new Set(["min", "max", "mean", "last", "best", "first"]);

/** Whether a summary value stands for a logged number: a number, or define_metric aggregates. */
export function numericSummary(v: unknown): boolean {
  if (typeof v === "number" || v === "NaN" || v === "Infinity" || v === "-Infinity") return true;
  if (v && typeof v === "object" && !Array.isArray(v)) {
    const keys = Object.keys(v);
    return keys.length > 0 && keys.every((k) => AGGREGATES.has(k));
  }
  return false;
}

/** The metrics a run logged, read from its summary (W&B keeps every logged key's last value
 * there), so a workspace of many runs needs no request to lay out its panels. */
export function summaryKeys(run: Run): Set<string> {
  const out = new Set<string>();
  if (!run.history_rows) return out;
  for (const [k, v] of Object.entries(run.summary ?? {})) {
    if (chartable(k) && numericSummary(v) && !metricDef(run.metrics, k)?.hidden) out.add(k);
  }
  return out;
}

/**
 * Metric keys per run for `stream`; new keys seen in live history rows are added.
 * `source`: "keys" asks `/keys` for each run (exact); "summary" reads the runs' summaries
 * (no request); "sample" asks `/keys` of the first few runs and assumes the rest log the same
 * (system metrics, which every run on a machine shares).
 */
export function useRunKeys(project: string, runs: Run[], stream: Stream, feed: LiveFeed | null,
                           source: "keys" | "summary" | "sample" = "keys") {
  const [keys, setKeys] = useState<KeyMap>(new Map());
  const [media, setMedia] = useState<MediaMap>(new Map());
  const [loading, setLoading] = useState(true);
  const asked = useRef(new Set<string>());
  const mapRef = useRef<KeyMap>(new Map());
  const mediaRef = useRef<MediaMap>(new Map());
  const addMedia = (runId: string, key: string, kind: MediaKind): boolean => {
    let m = mediaRef.current.get(runId);
    if (!m) mediaRef.current.set(runId, (m = new Map()));
    if (m.get(key) === kind) return false;
    m.set(key, kind);
    return true;
  };

  // Layout effects: the panels (and their requests) follow in the same frame as the runs.
  useLayoutEffect(() => {
    asked.current = new Set();
    mapRef.current = new Map();
    mediaRef.current = new Map();
    setKeys(new Map());
    setMedia(new Map());
    setLoading(true);
  }, [project, stream]);

  const ids = runs.map((r) => r.id).join(",");
  const summarySig = source === "summary" ? runs.map((r) => Object.keys(r.summary ?? {}).length).join(",") : "";
  useLayoutEffect(() => {
    if (source === "summary") {
      for (const r of runs) {
        const set = mapRef.current.get(r.id) ?? new Set<string>();
        for (const k of summaryKeys(r)) set.add(k);
        mapRef.current.set(r.id, set);
        if (stream === "history") for (const [k, kind] of summaryMedia(r)) addMedia(r.id, k, kind);
      }
      setKeys(new Map(mapRef.current));
      setMedia(new Map(mediaRef.current));
      setLoading(false);
      return;
    }
    if (source === "sample") {
      const sample = runs.slice(0, 3);
      const ctrl = new AbortController();
      const todo = sample.filter((r) => !asked.current.has(r.id));
      for (const r of todo) asked.current.add(r.id);
      // System metrics lie at the bottom of the page: ask after the charts on screen have.
      const wait = new Promise((res) => window.setTimeout(res, mapRef.current.has("*") ? 0 : 400));
      void wait.then(() => Promise.all(
        todo.map((r) =>
          keysLimiter
            .run(() => api.keys(project, r.id, stream, ctrl.signal), ctrl.signal)
            .then((list) => list.filter((k) => k.kind === "number" && chartable(k.key)).map((k) => k.key))
            .catch(() => [] as string[]),
        ),
      )).then((lists) => {
        if (ctrl.signal.aborted) return;
        const shared = mapRef.current.get("*") ?? new Set<string>();
        for (const l of lists) for (const k of l) shared.add(k);
        mapRef.current.set("*", shared);
        const next: KeyMap = new Map();
        for (const r of runs) next.set(r.id, shared);
        setKeys(next);
        setLoading(false);
      });
      return () => ctrl.abort();
    }
    const ctrl = new AbortController();
    const todo = runs.filter((r) => !asked.current.has(r.id));
    if (!todo.length) {
      setLoading(false);
      return;
    }
    for (const r of todo) asked.current.add(r.id);
    void Promise.all(
      todo.map((r) =>
        keysLimiter
          .run(() => api.keys(project, r.id, stream, ctrl.signal), ctrl.signal)
          .then((list) => {
            const set = mapRef.current.get(r.id) ?? new Set<string>();
            for (const k of list) {
              if (k.kind === "number" && chartable(k.key) && !metricDef(r.metrics, k.key)?.hidden) set.add(k.key);
              else if (isMediaKind(k.kind) && chartable(k.key)) addMedia(r.id, k.key, k.kind);
              else if (k.kind === "other" && chartable(k.key)) {
                // Kinds the server does not name (video, audio...): the summary's last value says.
                const kind = mediaKindOf(r.summary?.[k.key]);
                if (kind) addMedia(r.id, k.key, kind);
              }
            }
            mapRef.current.set(r.id, set);
          })
          .catch(() => asked.current.delete(r.id)),
      ),
    ).then(() => {
      if (ctrl.signal.aborted) return;
      setKeys(new Map(mapRef.current));
      setMedia(new Map(mediaRef.current));
      setLoading(false);
    });
    return () => ctrl.abort();
  }, [project, stream, ids, source, summarySig]);

  const refreshing = useRef(new Set<string>());
  const refresh = (runId: string) => {
    if (refreshing.current.has(runId)) return;
    refreshing.current.add(runId);
    window.setTimeout(() => {
      api
        .keys(project, runId, stream)
        .then((list) => {
          const set = mapRef.current.get(runId) ?? new Set<string>();
          const before = set.size;
          let media = false;
          for (const k of list) {
            if (k.kind === "number" && chartable(k.key)) set.add(k.key);
            else if (isMediaKind(k.kind) && chartable(k.key)) media = addMedia(runId, k.key, k.kind) || media;
          }
          mapRef.current.set(runId, set);
          if (set.size !== before) setKeys(new Map(mapRef.current));
          if (media) setMedia(new Map(mediaRef.current));
        })
        .catch(() => undefined)
        .finally(() => refreshing.current.delete(runId));
    }, 1000);
  };

  useEffect(() => {
    if (!feed) return;
    return feed.subscribe((ev) => {
      if (ev.type !== "history") return;
      if ((ev.stream ?? "history") !== stream) return;
      let set = mapRef.current.get(ev.run_id);
      let changed = false;
      if (!set) {
        set = new Set();
        mapRef.current.set(ev.run_id, set);
        asked.current.add(ev.run_id);
        changed = true;
      }
      if (!ev.rows) {
        // A large batch without its rows: ask the server which keys the run has now.
        refresh(ev.run_id);
        return;
      }
      let media = false;
      for (const row of ev.rows) {
        for (const [k, v] of Object.entries(row)) {
          if (!set.has(k) && chartable(k) && (typeof v === "number" || v === "NaN" || v === "Infinity" || v === "-Infinity")) {
            set.add(k);
            changed = true;
          } else if (chartable(k)) {
            const kind = mediaKindOf(v);
            if (kind) media = addMedia(ev.run_id, k, kind) || media;
          }
        }
      }
      if (changed) setKeys(new Map(mapRef.current));
      if (media) setMedia(new Map(mediaRef.current));
    });
  }, [feed, stream]);

  return { keys, media, loading };
}

export interface Section {
  name: string;
  metrics: string[];
}

/** Panels grouped by key prefix (`train/`, `val/`, `system/`); un-prefixed keys first. */
export function sections(all: Iterable<string>): Section[] {
  const by = new Map<string, string[]>();
  for (const k of all) {
    const i = k.indexOf("/");
    const name = i > 0 ? k.slice(0, i) : "";
    if (!by.has(name)) by.set(name, []);
    by.get(name)!.push(k);
  }
  const names = [...by.keys()].sort((a, b) => {
    if (a === b) return 0;
    if (a === "") return -1;
    if (b === "") return 1;
    if (a === "system") return 1;
    if (b === "system") return -1;
    return a.localeCompare(b);
  });
  return names.map((name) => ({
    name: name || "Charts",
    metrics: by.get(name)!.sort((a, b) => a.localeCompare(b, undefined, { numeric: true })),
  }));
}
