// A searchable tree of a run's config or summary (nested dicts fold; values shown as text).
import { useMemo, useState } from "preact/hooks";
import type { Json } from "../api";
import { dateTime, fmtValue } from "../format";

function matchesDeep(key: string, v: Json, q: string): boolean {
  if (key.toLowerCase().includes(q)) return true;
  if (v && typeof v === "object" && !Array.isArray(v)) {
    return Object.entries(v).some(([k, x]) => matchesDeep(k, x, q));
  }
  return fmtValue(v).toLowerCase().includes(q);
}

function Node({ name, value, q, depth }: { name: string; value: Json; q: string; depth: number }) {
  const isObj = !!value && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0;
  const [open, setOpen] = useState(depth < 2);
  if (isObj) {
    const entries = Object.entries(value as Record<string, Json>).filter(
      ([k, v]) => !q || name.toLowerCase().includes(q) || matchesDeep(k, v, q),
    );
    const shown = open || !!q;
    return (
      <div class="tree-node">
        <button class="tree-key tree-branch" onClick={() => setOpen(!open)} aria-expanded={shown}>
          <span class={`caret${shown ? " open" : ""}`}>▸</span>
          {name}
          <span class="muted"> {Object.keys(value as object).length}</span>
        </button>
        {shown && (
          <div class="tree-children">
            {entries.map(([k, v]) => (
              <Node key={k} name={k} value={v} q={name.toLowerCase().includes(q) ? "" : q} depth={depth + 1} />
            ))}
          </div>
        )}
      </div>
    );
  }
  const text = name === "_timestamp" && typeof value === "number" ? dateTime(value) : fmtValue(value);
  return (
    <div class="tree-leaf" data-key={name}>
      <span class="tree-key" title={name}>{name}</span>
      <span class={`tree-val${typeof value === "number" ? " num" : ""}`} title={text}>{text}</span>
    </div>
  );
}

export function Tree({ data, label }: { data: Record<string, Json>; label: string }) {
  const [q, setQ] = useState("");
  const ql = q.trim().toLowerCase();
  // Bookkeeping keys (`_step`, `_runtime`, ...) after the user's own.
  const entries = useMemo(
    () =>
      Object.entries(data ?? {})
        .filter(([k, v]) => !ql || matchesDeep(k, v, ql))
        .sort((a, b) => Number(a[0].startsWith("_")) - Number(b[0].startsWith("_"))),
    [data, ql],
  );
  return (
    <div class="tree card" data-tree={label}>
      <div class="card-head">
        <span class="card-title">{label}</span>
        <span class="muted">{Object.keys(data ?? {}).length}</span>
        <span class="spacer" />
        <input class="input input-sm" type="search" placeholder={`Search ${label.toLowerCase()}`} aria-label={`Search ${label}`} value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
      </div>
      <div class="tree-body">
        {entries.length ? entries.map(([k, v]) => <Node key={k} name={k} value={v} q={ql} depth={0} />) : <div class="muted pad">{ql ? "Nothing matches." : "Empty."}</div>}
      </div>
    </div>
  );
}
