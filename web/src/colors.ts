// A colour per run, stable as new runs arrive: given by the run's position counted from the oldest.
import type { Run } from "./api";

export const PALETTE = [
  "#2f6fde", "#e8590c", "#2b8a3e", "#c2255c", "#7048e8", "#0c8599", "#e67700", "#5f3dc4",
  "#d6336c", "#1971c2", "#5c940d", "#a61e4d", "#087f5b", "#9c36b5", "#f08c00", "#364fc7",
  "#c92a2a", "#0b7285", "#862e9c", "#74b816",
];

export function runColors(runs: Run[]): Map<string, string> {
  const byAge = [...runs].sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1));
  const out = new Map<string, string>();
  byAge.forEach((r, i) => out.set(r.id, PALETTE[i % PALETTE.length]));
  return out;
}

export const STATE_CLASS: Record<string, string> = {
  running: "st-running",
  finished: "st-finished",
  failed: "st-failed",
  crashed: "st-crashed",
  killed: "st-killed",
};
