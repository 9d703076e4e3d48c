// Media values as the server stores them (W&B's JSON shapes) and the hook that loads a key's
// values for several runs, sampled by the server, refreshed when the live feed brings more.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, type Json, type LiveFeed } from "../api";
import { isAbort } from "../limit";

export interface BoxPosition {
  minX?: number;
  maxX?: number;
  minY?: number;
  maxY?: number;
  middle?: [number, number];
  width?: number;
  height?: number;
}

export interface Box {
  position: BoxPosition;
  class_id: number;
  domain?: "pixel";
  box_caption?: string;
  scores?: Record<string, number>;
}

export type Boxes = Record<string, { box_data: Box[]; class_labels: Record<string, string> }>;
export type Masks = Record<string, { path: string; class_labels?: Record<string, string> }>;

export interface ImageFile {
  _type: "image-file";
  path: string;
  width: number;
  height: number;
  format?: string;
  caption?: string;
  boxes?: Boxes;
  masks?: Masks;
}

export interface ImageList {
  _type: "images/separated";
  width: number;
  height: number;
  count: number;
  filenames: string[];
  captions?: (string | null)[];
  all_boxes?: (Boxes | null)[];
  all_masks?: (Masks | null)[];
}

export interface HistogramValue {
  _type: "histogram";
  bins: number[];
  values: number[];
}

export interface TableFile {
  _type: "table-file";
  path: string;
  nrows?: number;
  ncols?: number;
}

/** One picture to show: a file plus its caption and overlays. */
export interface Picture {
  path: string;
  width: number;
  height: number;
  caption?: string | null;
  boxes?: Boxes | null;
  masks?: Masks | null;
}

function isObj(v: Json | undefined): v is Record<string, Json> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

/** The pictures of an image or image-list value (empty for anything else). */
export function picturesOf(v: Json | undefined): Picture[] {
  if (!isObj(v)) return [];
  if (v._type === "image-file" && typeof v.path === "string") {
    const img = v as unknown as ImageFile;
    return [{ path: img.path, width: img.width, height: img.height, caption: img.caption, boxes: img.boxes, masks: img.masks }];
  }
  if (v._type === "images/separated" && Array.isArray(v.filenames)) {
    const list = v as unknown as ImageList;
    return list.filenames.map((path, i) => ({
      path,
      width: list.width,
      height: list.height,
      caption: list.captions?.[i] ?? null,
      boxes: list.all_boxes?.[i] ?? null,
      masks: list.all_masks?.[i] ?? null,
    }));
  }
  return [];
}

export function isHistogram(v: Json | undefined): v is Json & HistogramValue {
  return isObj(v) && v._type === "histogram" && Array.isArray(v.bins) && Array.isArray(v.values);
}

export function isTableFile(v: Json | undefined): v is Json & TableFile {
  return isObj(v) && v._type === "table-file" && typeof v.path === "string";
}

export interface RunRows {
  id: string;
  total: number;
  steps: number[];
  values: Json[];
}

/** The index of the last step <= `step` in ascending `steps` (-1 when none). */
export function atOrBefore(steps: number[], step: number): number {
  let lo = 0;
  let hi = steps.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid] <= step) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * Each run's values of one media key (at most `limit` steps, spread evenly by the server),
 * fetched again, at most once a second, when the live feed says one of the runs logged it.
 */
export function useMediaRows(project: string, key: string, runIds: string[], feed: LiveFeed | null, limit = 200) {
  const [rows, setRows] = useState<RunRows[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const ids = runIds.join(",");
  const idsRef = useRef(new Set(runIds));
  idsRef.current = new Set(runIds);

  useEffect(() => {
    if (!runIds.length) {
      setRows([]);
      return;
    }
    const ctrl = new AbortController();
    api
      .media(project, key, runIds, limit, ctrl.signal)
      .then((res) => {
        if (ctrl.signal.aborted) return;
        const by = new Map(res.runs.map((r) => [r.id, r]));
        setRows(runIds.map((id) => by.get(id)).filter((r): r is RunRows => !!r));
        setError(null);
      })
      .catch((e: Error) => !isAbort(e) && !ctrl.signal.aborted && setError(e.message));
    return () => ctrl.abort();
  }, [project, key, ids, limit, tick]);

  useEffect(() => {
    if (!feed) return;
    let timer: number | undefined;
    const off = feed.subscribe((ev) => {
      if (ev.type !== "history" || (ev.stream ?? "history") !== "history" || !idsRef.current.has(ev.run_id)) return;
      if (ev.rows && !ev.rows.some((row) => key in row && row[key] !== null)) return;
      if (timer !== undefined) return;
      timer = window.setTimeout(() => {
        timer = undefined;
        setTick((n) => n + 1);
      }, 1000);
    });
    return () => {
      off();
      window.clearTimeout(timer);
    };
  }, [feed, key]);

  return { rows, error };
}

/** Every step any of the runs has a value at, ascending. */
export function unionSteps(rows: RunRows[]): number[] {
  const all = new Set<number>();
  for (const r of rows) for (const s of r.steps) all.add(s);
  return [...all].sort((a, b) => a - b);
}

/** A class id's colour, the same in every panel. */
const CLASS_COLORS = [
  "#e8590c", "#2f6fde", "#2b8a3e", "#c2255c", "#7048e8", "#0c8599", "#e67700", "#5f3dc4",
  "#d6336c", "#1971c2", "#5c940d", "#a61e4d", "#087f5b", "#9c36b5", "#f08c00", "#364fc7",
];

export function classColor(id: number): string {
  return CLASS_COLORS[((id % CLASS_COLORS.length) + CLASS_COLORS.length) % CLASS_COLORS.length];
}

/** A box's corners in image pixels. */
export function boxRect(b: Box, w: number, h: number): { x: number; y: number; w: number; h: number } {
  const p = b.position;
  const sx = b.domain === "pixel" ? 1 : w;
  const sy = b.domain === "pixel" ? 1 : h;
  let minX: number, maxX: number, minY: number, maxY: number;
  if (p.middle && p.width !== undefined && p.height !== undefined) {
    minX = p.middle[0] - p.width / 2;
    maxX = p.middle[0] + p.width / 2;
    minY = p.middle[1] - p.height / 2;
    maxY = p.middle[1] + p.height / 2;
  } else {
    minX = p.minX ?? 0;
    maxX = p.maxX ?? 0;
    minY = p.minY ?? 0;
    maxY = p.maxY ?? 0;
  }
  return { x: minX * sx, y: minY * sy, w: (maxX - minX) * sx, h: (maxY - minY) * sy };
}
