// The module tree `watch(model, log_graph=True)` records (summary["graph_0"]): modules nested by
// their dotted names, with types, parameter shapes and counts; folds, and a search box.
import type { JSX } from "preact";
import { useMemo, useState } from "preact/hooks";
import type { Json } from "../api";

export interface ModuleNode {
  name: string;
  type: string;
  params: [string, number[]][];
  param_count: number;
}

export interface ModuleTreeValue {
  _type: "module-tree";
  nodes: ModuleNode[];
  param_count: number;
}

export function isModuleTree(v: Json | undefined): v is Json & ModuleTreeValue {
  return !!v && typeof v === "object" && !Array.isArray(v) && v._type === "module-tree" && Array.isArray(v.nodes);
}

interface TreeNode {
  node: ModuleNode;
  path: string;
  label: string;
  depth: number;
  children: TreeNode[];
  total: number;
}

function build(value: ModuleTreeValue): TreeNode {
  const rootNode = value.nodes.find((n) => n.name === "(root)") ?? { name: "(root)", type: "Module", params: [], param_count: 0 };
  const root: TreeNode = { node: rootNode, path: "", label: rootNode.type, depth: 0, children: [], total: 0 };
  const byPath = new Map<string, TreeNode>([["", root]]);
  for (const n of value.nodes) {
    if (n.name === "(root)") continue;
    const parts = n.name.split(".");
    // A module's parent is its longest dotted prefix that is a module (containers may be skipped).
    let parent = root;
    for (let k = parts.length - 1; k > 0; k--) {
      const p = byPath.get(parts.slice(0, k).join("."));
      if (p) {
        parent = p;
        break;
      }
    }
    const t: TreeNode = { node: n, path: n.name, label: parent === root ? n.name : n.name.slice(parent.path.length + 1), depth: parent.depth + 1, children: [], total: 0 };
    parent.children.push(t);
    byPath.set(n.name, t);
  }
  const sum = (t: TreeNode): number => (t.total = (t.node.param_count ?? 0) + t.children.reduce((a, c) => a + sum(c), 0));
  sum(root);
  return root;
}

export function fmtCount(n: number): string {
  if (n >= 1e9) return `${+(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${+(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return String(n);
}

const MAX_ROWS = 800;

export function ModelTree({ value, name }: { value: ModuleTreeValue; name: string }) {
  const root = useMemo(() => build(value), [value]);
  const [open, setOpen] = useState<Set<string>>(() => new Set([""]));
  const [q, setQ] = useState("");
  const ql = q.trim().toLowerCase();

  // With a search: the matching modules and their ancestors, unfolded.
  const keep = useMemo(() => {
    if (!ql) return null;
    const out = new Set<string>();
    const visit = (t: TreeNode, trail: string[]): void => {
      if (t.path.toLowerCase().includes(ql) || t.node.type.toLowerCase().includes(ql)) {
        for (const p of trail) out.add(p);
        out.add(t.path);
      }
      for (const c of t.children) visit(c, [...trail, t.path]);
    };
    visit(root, []);
    return out;
  }, [root, ql]);

  const rows: JSX.Element[] = [];
  const walk = (t: TreeNode) => {
    if (rows.length >= MAX_ROWS) return;
    if (keep && !keep.has(t.path)) return;
    const isOpen = keep ? true : open.has(t.path);
    const own = t.node.params ?? [];
    rows.push(
      <div class="mt-row" key={t.path || "(root)"} data-module={t.path || "(root)"} style={{ paddingLeft: `${8 + t.depth * 16}px` }}>
        {t.children.length ? (
          <button
            class="tree-key tree-branch mt-toggle"
            aria-expanded={isOpen}
            onClick={() => {
              const next = new Set(open);
              isOpen ? next.delete(t.path) : next.add(t.path);
              setOpen(next);
            }}
          >
            <span class={`caret${isOpen ? " open" : ""}`}>▸</span>
          </button>
        ) : (
          <span class="mt-leaf" />
        )}
        <span class="mt-name">{t.path ? t.label : name}</span>
        <span class="mt-type">{t.node.type}</span>
        <span class="mt-params muted" title={own.map(([n, shape]) => `${n} ${JSON.stringify(shape)}`).join("\n")}>
          {own.map(([n, shape]) => `${n} [${shape.join("×")}]`).join(" · ")}
        </span>
        <span class="mt-count num" title={`${t.total.toLocaleString()} parameters`}>{t.total ? fmtCount(t.total) : ""}</span>
      </div>,
    );
    if (isOpen) for (const c of t.children) walk(c);
  };
  walk(root);

  return (
    <div class="card model-tree" data-graph={name}>
      <div class="card-head">
        <span class="card-title">Model</span>
        <span class="muted">
          {root.node.type} · {value.nodes.length} modules · {fmtCount(value.param_count ?? root.total)} parameters
        </span>
        <span class="spacer" />
        <button class="btn btn-sm btn-ghost" onClick={() => setOpen(new Set(value.nodes.map((n) => (n.name === "(root)" ? "" : n.name))))}>Expand all</button>
        <button class="btn btn-sm btn-ghost" onClick={() => setOpen(new Set([""]))}>Collapse</button>
        <input class="input input-sm" type="search" placeholder="Search modules" aria-label="Search modules" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
      </div>
      <div class="mt-body">
        <div class="mt-row mt-headrow muted">
          <span class="mt-leaf" />
          <span class="mt-name">Module</span>
          <span class="mt-type">Type</span>
          <span class="mt-params">Parameters</span>
          <span class="mt-count">Count</span>
        </div>
        {rows}
        {rows.length >= MAX_ROWS && <div class="muted pad">Showing the first {MAX_ROWS} modules: search to narrow.</div>}
        {keep && rows.length === 0 && <div class="muted pad">No module matches.</div>}
      </div>
    </div>
  );
}
