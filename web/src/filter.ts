// The runs table's filter box: free text plus expressions such as `lr > 0.01`, `state:running`,
// `tag:baseline`, `summary.val/loss < 0.3`, `optimizer.name = adam`, `name ~ sweep`.
// The server's runs endpoint has no filter parameter, so this runs in the browser.
import type { Json, Run } from "./api";
import { flatten, runtimeOf } from "./format";

export type Op = ">" | ">=" | "<" | "<=" | "=" | "!=" | "~";

export interface Cond {
  key: string;
  op: Op;
  value: string;
}

export interface Filter {
  conds: Cond[];
  words: string[];
  error?: string;
}

const EXPR = /([A-Za-z_][\w.\/\-]*)\s*(>=|<=|!=|==|=|>|<|~)\s*("[^"]*"|'[^']*'|[^\s"']+)/g;
const COLON = /\b(state|tag|tags|user|host|group|name|job_type|id):("[^"]*"|\S+)/gi;

function unquote(s: string): string {
  return /^(".*"|'.*')$/.test(s) ? s.slice(1, -1) : s;
}

export function parseFilter(text: string): Filter {
  const conds: Cond[] = [];
  let rest = text.replace(EXPR, (_m, key: string, op: string, value: string) => {
    conds.push({ key, op: (op === "==" ? "=" : op) as Op, value: unquote(value) });
    return " ";
  });
  rest = rest.replace(COLON, (_m, key: string, value: string) => {
    const k = key.toLowerCase() === "tags" ? "tag" : key.toLowerCase();
    conds.push({ key: k, op: k === "name" ? "~" : "=", value: unquote(value) });
    return " ";
  });
  const words = rest
    .split(/\s+/)
    .map((w) => w.trim().toLowerCase())
    .filter((w) => w && w !== "and" && w !== "&&" && w !== ",");
  return { conds, words };
}

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

const BUILTIN: Record<string, (r: Run) => Json | undefined> = {
  name: (r) => r.name,
  id: (r) => r.id,
  state: (r) => r.state,
  user: (r) => r.user,
  host: (r) => r.host,
  group: (r) => r.group,
  job_type: (r) => r.job_type,
  notes: (r) => r.notes,
  runtime: (r) => runtimeOf(r),
  created: (r) => r.created_at,
  created_at: (r) => r.created_at,
  step: (r) => r.last_step,
  last_step: (r) => r.last_step,
};

export function valueOf(run: Run, key: string): Json | undefined {
  if (key in BUILTIN) return BUILTIN[key](run);
  const f = flat(run);
  if (key.startsWith("config.") && key.slice(7) in f.config) return f.config[key.slice(7)];
  if (key.startsWith("summary.") && key.slice(8) in f.summary) return f.summary[key.slice(8)];
  if (key in f.config) return f.config[key];
  if (key in f.summary) return f.summary[key];
  return undefined;
}

function asNumber(v: Json | undefined): number | null {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "string" && v.trim() !== "" && !isNaN(Number(v))) return Number(v);
  return null;
}

function test(run: Run, c: Cond): boolean {
  if (c.key === "tag") {
    const want = c.value.toLowerCase();
    const has = run.tags.some((t) => (c.op === "~" ? t.toLowerCase().includes(want) : t.toLowerCase() === want));
    return c.op === "!=" ? !has : has;
  }
  const v = valueOf(run, c.key);
  if (v === undefined) return c.op === "!=";
  const a = asNumber(v);
  const b = asNumber(c.value);
  if (a !== null && b !== null && c.op !== "~") {
    switch (c.op) {
      case ">": return a > b;
      case ">=": return a >= b;
      case "<": return a < b;
      case "<=": return a <= b;
      case "=": return a === b;
      case "!=": return a !== b;
    }
  }
  const s = (typeof v === "string" ? v : JSON.stringify(v)).toLowerCase();
  const w = c.value.toLowerCase();
  switch (c.op) {
    case "=": return s === w;
    case "!=": return s !== w;
    case "~": return s.includes(w);
    case ">": return s > w;
    case ">=": return s >= w;
    case "<": return s < w;
    case "<=": return s <= w;
  }
  return false;
}

function haystack(run: Run): string {
  return [run.name, run.id, run.user, run.host, run.group, run.job_type, ...run.tags]
    .filter(Boolean)
    .join(" ")
    .toLowerCase();
}

export function matches(run: Run, f: Filter): boolean {
  for (const c of f.conds) if (!test(run, c)) return false;
  if (f.words.length) {
    const h = haystack(run);
    for (const w of f.words) if (!h.includes(w)) return false;
  }
  return true;
}
