// Flattened config and summary of a run (dotted keys), for the table's columns and compare.
// Filtering and sorting the runs table happen on the server (`/projects/P/run-ids`).
import type { Json, Run } from "./api";
import { flatten } from "./format";

/** Flattened config and summary of a run, cached per run object. */
const flatCache = new WeakMap<Run, { config: Record<string, Json>; summary: Record<string, Json> }>();
export function flat(run: Run) {
  let f = flatCache.get(run);
  if (!f) {
    f = { config: flatten(run.config ?? {}), summary: flatten(run.summary ?? {}) };
    flatCache.set(run, f);
  }
  return f;
}
