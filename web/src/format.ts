// Formatting of times, durations, numbers and values for display (always as text).
import type { Json } from "./api";

export function relTime(ts: number | null | undefined, now = Date.now() / 1000): string {
  if (ts === null || ts === undefined || !isFinite(ts)) return "–";
  const d = Math.max(0, now - ts);
  if (d < 45) return "just now";
  if (d < 3600) return `${Math.round(d / 60)} min ago`;
  if (d < 86400) return `${Math.round(d / 3600)} h ago`;
  if (d < 86400 * 30) return `${Math.round(d / 86400)} d ago`;
  return dateTime(ts).slice(0, 10);
}

export function dateTime(ts: number | null | undefined): string {
  if (ts === null || ts === undefined || !isFinite(ts)) return "–";
  const d = new Date(ts * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(
    d.getMinutes(),
  )}:${p(d.getSeconds())}`;
}

export function duration(s: number | null | undefined): string {
  if (s === null || s === undefined || !isFinite(s)) return "–";
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  return `${m}m ${String(sec).padStart(2, "0")}s`;
}

export function fmtNum(v: number): string {
  if (!isFinite(v)) return isNaN(v) ? "NaN" : v > 0 ? "Inf" : "-Inf";
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return String(Number(v.toPrecision(5)));
}

export function fmtValue(v: Json | undefined): string {
  if (v === undefined) return "";
  if (v === null) return "null";
  if (typeof v === "number") return fmtNum(v);
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Nested dicts as dotted keys (`optimizer.lr`), the way the table and compare view show them.
 * Logged media values (dicts with a `_type`: images, histograms, tables) stay whole. */
export function flatten(obj: Record<string, Json>, prefix = "", out: Record<string, Json> = {}) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length > 0 && !("_type" in v)) {
      flatten(v as Record<string, Json>, key, out);
    } else {
      out[key] = v;
    }
  }
  return out;
}

/** The runtime of a run: the server's figure, or the time since creation while it runs. */
export function runtimeOf(r: {
  state: string;
  runtime: number | null;
  created_at: number;
}): number | null {
  if (r.state === "running") return Math.max(r.runtime ?? 0, Date.now() / 1000 - r.created_at);
  return r.runtime;
}

/** A chart value as its shortest text: values sent as float32 print as 0.1, not 0.10000000149. */
export function shortFloat(v: number): number {
  if (!isFinite(v) || Math.fround(v) !== v) return v;
  for (let p = 1; p <= 9; p++) {
    const t = Number(v.toPrecision(p));
    if (Math.fround(t) === v) return t;
  }
  return v;
}
