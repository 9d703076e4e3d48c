// The values PlayerPanel shows (W&B's video-file, audio-file, html-file and plotly-file
// references) and the pure helpers behind its views: which file a value names, the waveform's
// peaks, and a plotly figure's layout fitted to a panel.
import type { Json } from "../api";
import type { PlayerKind } from "./keys";

const TYPES: Record<string, PlayerKind> = {
  "video-file": "video",
  "audio-file": "audio",
  "html-file": "html",
  "plotly-file": "plotly",
};

/** One logged file to play or show. */
export interface PlayerFile {
  kind: PlayerKind;
  path: string;
  caption?: string;
  width?: number;
  height?: number;
}

/** W&B's list values (several files logged under one key) and where each keeps its files. */
const LISTS: Record<string, [PlayerKind, string]> = {
  videos: ["video", "videos"],
  audio: ["audio", "audio"],
  html: ["html", "html"],
};

/** The files a logged value names: one for a file value, each file of a list value, none
 * for anything else or another kind. */
export function playerFilesOf(v: Json | undefined, kind: PlayerKind): PlayerFile[] {
  if (!v || typeof v !== "object" || Array.isArray(v)) return [];
  const list = LISTS[String(v._type)];
  if (list) {
    const items = v[list[1]];
    if (list[0] !== kind || !Array.isArray(items)) return [];
    return items.map((item) => playerFileOf(item, kind)).filter((f): f is PlayerFile => f !== null);
  }
  const one = playerFileOf(v, kind);
  return one ? [one] : [];
}

/** The file a logged value names, or null when the value is not one of `kind`. */
export function playerFileOf(v: Json | undefined, kind: PlayerKind): PlayerFile | null {
  if (!v || typeof v !== "object" || Array.isArray(v)) return null;
  if (TYPES[String(v._type)] !== kind || typeof v.path !== "string") return null;
  const num = (x: Json | undefined) => (typeof x === "number" && x > 0 ? x : undefined);
  return {
    kind,
    path: v.path,
    caption: typeof v.caption === "string" ? v.caption : undefined,
    width: num(v.width),
    height: num(v.height),
  };
}

/** Whether a video file is a GIF (shown as an image) rather than a video for `<video>`. */
export function isGif(path: string): boolean {
  return path.toLowerCase().endsWith(".gif");
}

/**
 * The waveform of `channels` (each the samples of one channel) in `columns` columns: per
 * column, the lowest and highest sample of any channel. No column is empty: a clip shorter
 * than `columns` repeats samples.
 */
export function peaks(channels: Float32Array[], columns: number): { min: Float32Array; max: Float32Array } {
  const min = new Float32Array(columns);
  const max = new Float32Array(columns);
  const n = channels.length ? channels[0].length : 0;
  if (!n) return { min, max };
  for (let c = 0; c < columns; c++) {
    const start = Math.floor((c * n) / columns);
    const end = Math.max(start + 1, Math.floor(((c + 1) * n) / columns));
    let lo = Infinity;
    let hi = -Infinity;
    for (const samples of channels) {
      for (let i = start; i < end; i++) {
        const s = samples[i];
        if (s < lo) lo = s;
        if (s > hi) hi = s;
      }
    }
    min[c] = lo;
    max[c] = hi;
  }
  return { min, max };
}

type Layout = Record<string, unknown>;

/**
 * A figure's layout sized by the panel: plotly's and matplotlib's converted figures carry a
 * fixed width and height (640 x 480) that would overflow it, and plotly's default margins
 * (80-100 px) would leave a panel-sized chart little room, so a figure that sets none gets
 * narrow ones.
 */
export function fittedLayout(layout: Layout | undefined, height: number): Layout {
  const out: Layout = { ...(layout ?? {}) };
  delete out.width;
  out.height = height;
  out.autosize = true;
  if (out.margin === undefined) out.margin = { l: 44, r: 16, t: out.title ? 40 : 16, b: 36 };
  return out;
}
