// The runs table: sortable columns, colour and eye per run, selection for compare, and
// virtualised rows (only the rows in view exist in the DOM, so 10,000 runs scroll smoothly).
import type { JSX } from "preact";
import { useRef } from "preact/hooks";
import type { Json, Run } from "../api";
import { flat } from "../filter";
import { dateTime, duration, fmtValue, relTime, runtimeOf } from "../format";
import { href } from "../router";
import { StatePill, Tags } from "./bits";
import { useVirtual } from "./virtual";

export const ROW_H = 30;

export interface Column {
  id: string;
  label: string;
  title?: string;
  width: number;
  kind: "builtin" | "config" | "summary";
  cell: (r: Run) => JSX.Element | string;
}

export type Sort = { col: string; dir: 1 | -1 } | null;

function valueCell(v: Json | undefined): JSX.Element | string {
  if (v === undefined) return <span class="muted">–</span>;
  const s = fmtValue(v);
  return (
    <span class={typeof v === "number" ? "num" : ""} title={s}>
      {s}
    </span>
  );
}

export function builtinColumns(project: string): Column[] {
  return [
    {
      id: "name", label: "Name", width: 220, kind: "builtin",
      cell: (r) => (
        <a class="run-link" href={href.run(project, r.id)} title={r.name}>
          {r.name}
        </a>
      ),
    },
    { id: "state", label: "State", width: 92, kind: "builtin", cell: (r) => <StatePill state={r.state} /> },
    {
      id: "created", label: "Created", width: 96, kind: "builtin",
      cell: (r) => <span title={dateTime(r.created_at)}>{relTime(r.created_at)}</span>,
    },
    { id: "runtime", label: "Runtime", width: 80, kind: "builtin", cell: (r) => <span class="num">{duration(runtimeOf(r))}</span> },
    { id: "tags", label: "Tags", width: 130, kind: "builtin", cell: (r) => <Tags tags={r.tags} /> },
    { id: "user", label: "User", width: 80, kind: "builtin", cell: (r) => valueCell(r.user ?? undefined) },
    { id: "host", label: "Host", width: 100, kind: "builtin", cell: (r) => valueCell(r.host ?? undefined) },
    { id: "step", label: "Step", width: 64, kind: "builtin", cell: (r) => <span class="num">{r.history_rows ? String(r.last_step) : "–"}</span> },
  ];
}

export function dataColumn(kind: "config" | "summary", key: string): Column {
  const get = (r: Run) => (kind === "config" ? flat(r).config[key] : flat(r).summary[key]);
  return {
    id: `${kind}:${key}`,
    label: key,
    title: `${kind}.${key}`,
    width: 96,
    kind,
    cell: (r) => valueCell(get(r)),
  };
}

interface Props {
  project: string;
  runs: Run[];
  columns: Column[];
  colors: Map<string, string>;
  hidden: Set<string>;
  inCharts: Set<string>;
  selected: Set<string>;
  sort: Sort;
  /** The server is ordering the runs for a newer filter or sort than the one shown. */
  busy?: boolean;
  /** The filter the shown rows match (for tests and screen readers). */
  appliedFilter?: string;
  height: number;
  onSort: (s: Sort) => void;
  onToggleHidden: (ids: string[], hide: boolean) => void;
  onSelect: (ids: string[], on: boolean) => void;
}

export function RunsTable(props: Props) {
  const { runs, columns, colors, hidden, selected, sort } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const { start, end, total } = useVirtual(scrollRef, runs.length, ROW_H);
  const lead = "28px 28px";
  const template = `${lead} ${columns.map((c) => `${c.width}px`).join(" ")}`;
  const width = 56 + columns.reduce((s, c) => s + c.width, 0);
  const allHidden = runs.length > 0 && runs.every((r) => hidden.has(r.id));
  const allSelected = runs.length > 0 && runs.every((r) => selected.has(r.id));

  // Click: ascending (newest first for Created), click again: the other way, a third time: unsorted.
  const headerClick = (c: Column) => {
    const first = c.id === "created" ? -1 : 1;
    if (!sort || sort.col !== c.id) props.onSort({ col: c.id, dir: first });
    else if (sort.dir === first) props.onSort({ col: c.id, dir: first === 1 ? -1 : 1 });
    else props.onSort(null);
  };

  const rows: JSX.Element[] = [];
  for (let i = start; i < end; i++) {
    const r = runs[i];
    const isHidden = hidden.has(r.id);
    const color = colors.get(r.id) ?? "#888";
    rows.push(
      <div
        class={`tr${isHidden ? " row-hidden" : ""}${selected.has(r.id) ? " row-selected" : ""}`}
        role="row"
        key={r.id}
        data-run-id={r.id}
        style={{ top: `${i * ROW_H}px`, gridTemplateColumns: template, width: `${width}px` }}
      >
        <span class="td td-check">
          <input
            type="checkbox"
            aria-label={`Select ${r.name}`}
            checked={selected.has(r.id)}
            onChange={(e) => props.onSelect([r.id], (e.target as HTMLInputElement).checked)}
          />
        </span>
        <span class="td td-eye">
          <button
            class={`eye${isHidden ? " eye-off" : ""}${!isHidden && !props.inCharts.has(r.id) ? " eye-capped" : ""}`}
            title={isHidden ? "Show in charts" : props.inCharts.has(r.id) ? "Hide from charts" : "Visible, but over the chart run limit"}
            aria-label={isHidden ? `Show ${r.name}` : `Hide ${r.name}`}
            aria-pressed={!isHidden}
            onClick={() => props.onToggleHidden([r.id], !isHidden)}
            style={{ "--run-color": color } as JSX.CSSProperties}
          >
            <span class="eye-dot" />
          </button>
        </span>
        {columns.map((c) => (
          <span class={`td td-${c.kind}`} data-col={c.id} key={c.id}>
            {c.cell(r)}
          </span>
        ))}
      </div>,
    );
  }

  return (
    <div class={`runs-table${props.busy ? " busy" : ""}`} ref={scrollRef} style={{ height: `${props.height}px` }} role="table"
      aria-rowcount={runs.length} aria-busy={props.busy ? "true" : "false"} data-filter={props.appliedFilter ?? ""}>
      <div class="thead" role="row" style={{ gridTemplateColumns: template, width: `${width}px` }}>
        <span class="th th-check">
          <input
            type="checkbox"
            aria-label="Select all shown runs"
            checked={allSelected}
            onChange={(e) => props.onSelect(runs.map((r) => r.id), (e.target as HTMLInputElement).checked)}
          />
        </span>
        <span class="th th-eye">
          <button
            class={`eye eye-all${allHidden ? " eye-off" : ""}`}
            title={allHidden ? "Show all in charts" : "Hide all from charts"}
            onClick={() => props.onToggleHidden(runs.map((r) => r.id), !allHidden)}
          >
            <span class="eye-dot" />
          </button>
        </span>
        {columns.map((c) => {
          const active = sort?.col === c.id;
          return (
            <button
              class={`th th-${c.kind}${active ? " th-sorted" : ""}`}
              data-col={c.id}
              key={c.id}
              title={`${c.title ?? c.label}: click to sort`}
              aria-sort={active ? (sort!.dir === 1 ? "ascending" : "descending") : "none"}
              onClick={() => headerClick(c)}
            >
              <span class="th-label">{c.label}</span>
              <span class="sort-mark">{active ? (sort!.dir === 1 ? "▲" : "▼") : ""}</span>
            </button>
          );
        })}
      </div>
      <div class="tbody" style={{ height: `${total}px`, width: `${width}px` }}>
        {rows}
      </div>
      {!runs.length && <div class="table-empty">No run matches the filter.</div>}
    </div>
  );
}
