// A logged heron.Table: one page at a time, sorted by a column on the server, images shown
// inside cells; a slider picks the step when the table was logged more than once.
import type { JSX } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { api, type Json, type LiveFeed, type TablePage } from "../api";
import { Modal } from "../components/Modal";
import { fmtNum, fmtValue } from "../format";
import { isAbort } from "../limit";
import type { ChartRun } from "./chartdata";
import { safeMediaPath } from "../mediapath";
import { MediaImage, MediaRefused } from "./MediaImage";
import { StepSlider, useStepIndex } from "./MediaPanel";
import { isHistogram, isTableFile, picturesOf, useMediaRows, type Picture } from "./media";

const PAGE = 10;
const NO_OVERLAYS = { off: new Set<string>() };

function Cell({ v, onImage }: { v: Json; onImage: (p: Picture) => void }): JSX.Element {
  const pics = picturesOf(v);
  if (pics.length) {
    return (
      <span class="cell-images">
        {pics.slice(0, 4).map((p, i) => (
          <MediaImage key={i} picture={p} overlays={NO_OVERLAYS} maxHeight={40} showCaption={false} onClick={() => onImage(p)} />
        ))}
      </span>
    );
  }
  if (isHistogram(v)) return <span class="muted">histogram ({v.values.length} bins)</span>;
  if (v === null) return <span class="muted">–</span>;
  if (typeof v === "number") return <span class="num">{fmtNum(v)}</span>;
  const text = fmtValue(v);
  return <span class="cell-text" title={text}>{text.length > 200 ? `${text.slice(0, 200)}…` : text}</span>;
}

export function TablePanel(props: { project: string; metric: string; runs: ChartRun[]; feed: LiveFeed | null }) {
  const runIds = props.runs.slice(0, 20).map((r) => r.run.id);
  const { rows, error } = useMediaRows(props.project, props.metric, runIds, props.feed, 200);
  const withTables = (rows ?? []).filter((r) => r.values.some(isTableFile));
  const [runId, setRunId] = useState<string | null>(null);
  const current = withTables.find((r) => r.id === runId) ?? withTables[0];
  const versions = useMemo(() => {
    if (!current) return { steps: [] as number[], files: [] as string[] };
    const steps: number[] = [];
    const files: string[] = [];
    current.values.forEach((v, i) => {
      if (isTableFile(v)) {
        steps.push(current.steps[i]);
        files.push(v.path);
      }
    });
    return { steps, files };
  }, [current]);
  const { index, onIndex } = useStepIndex(versions.steps);
  const path = versions.files[index];
  const [offset, setOffset] = useState(0);
  const [sort, setSort] = useState<{ col: number; order: "asc" | "desc" } | null>(null);
  const [page, setPage] = useState<TablePage | null>(null);
  const [pageError, setPageError] = useState<string | null>(null);
  const [big, setBig] = useState<Picture | null>(null);

  useEffect(() => setOffset(0), [path, sort?.col, sort?.order]);
  const refused = !!path && safeMediaPath(path) === null;
  useEffect(() => {
    if (!path || refused) return;
    const ctrl = new AbortController();
    api
      .tablePage(path, { offset, limit: PAGE, sort: sort?.col, order: sort?.order }, ctrl.signal)
      .then((p) => {
        if (ctrl.signal.aborted) return;
        setPage(p);
        setPageError(null);
      })
      .catch((e: Error) => !isAbort(e) && !ctrl.signal.aborted && setPageError(e.message));
    return () => ctrl.abort();
  }, [path, offset, sort?.col, sort?.order]);

  const byId = new Map(props.runs.map((r) => [r.run.id, r]));
  const headerClick = (col: number) => {
    if (!sort || sort.col !== col) setSort({ col, order: "asc" });
    else if (sort.order === "asc") setSort({ col, order: "desc" });
    else setSort(null);
  };
  const total = page?.total ?? 0;
  return (
    <div class="table-panel" data-metric={props.metric} data-kind="table">
      <div class="chart-head">
        <span class="chart-title" title={props.metric}>{props.metric}</span>
        <span class="chart-sub">{page ? `${total} rows × ${page.columns.length} columns` : "table"}</span>
        <span class="chart-tools">
          {withTables.length > 1 && (
            <select class="select select-sm" aria-label="Run" value={current?.id} onChange={(e) => setRunId((e.target as HTMLSelectElement).value)}>
              {withTables.map((r) => (
                <option value={r.id} key={r.id}>{byId.get(r.id)?.run.name ?? r.id}</option>
              ))}
            </select>
          )}
        </span>
      </div>
      {(error || pageError) && <div class="chart-msg chart-err">{error ?? pageError}</div>}
      {!rows && !error && <div class="chart-msg">Loading…</div>}
      {rows && !withTables.length && <div class="chart-msg">No tables for the visible runs</div>}
      {refused && (
        <div class="ltable-foot">
          <MediaRefused path={path} />
          <span class="spacer" />
          {versions.steps.length > 1 && <StepSlider steps={versions.steps} index={index} onIndex={onIndex} />}
        </div>
      )}
      {page && path && !refused && (
        <div class="ltable-wrap">
          <table class="table ltable">
            <thead>
              <tr>
                <th class="ltable-index">#</th>
                {page.columns.map((c, i) => {
                  const active = sort?.col === i;
                  return (
                    <th key={i}>
                      <button class={`th-btn${active ? " th-sorted" : ""}`} data-col={i} aria-sort={active ? (sort!.order === "asc" ? "ascending" : "descending") : "none"} onClick={() => headerClick(i)} title="Click to sort">
                        {String(c)}
                        <span class="sort-mark">{active ? (sort!.order === "asc" ? "▲" : "▼") : ""}</span>
                      </button>
                    </th>
                  );
                })}
              </tr>
            </thead>
            <tbody>
              {page.rows.map((r) => (
                <tr key={r.index} data-row={r.index}>
                  <td class="ltable-index muted">{r.index}</td>
                  {page.columns.map((_c, i) => (
                    <td key={i}>
                      <Cell v={Array.isArray(r.cells) && i < r.cells.length ? r.cells[i] : null} onImage={setBig} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page && !refused && (
        <div class="ltable-foot">
          <button class="btn btn-sm" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))} aria-label="Previous page">‹ Prev</button>
          <span class="muted ltable-range">{total ? `${offset + 1}–${Math.min(offset + PAGE, total)} of ${total}` : "empty"}</span>
          <button class="btn btn-sm" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)} aria-label="Next page">Next ›</button>
          <span class="spacer" />
          {versions.steps.length > 1 && <StepSlider steps={versions.steps} index={index} onIndex={onIndex} />}
          {versions.steps.length === 1 && <span class="muted">step {versions.steps[0]}</span>}
        </div>
      )}
      {big && (
        <Modal label="Image enlarged" onClose={() => setBig(null)} class="modal-media">
          <div class="chart-head">
            <span class="chart-title">{props.metric}</span>
            <span class="chart-tools">
              <button class="icon-btn" title="Close (Esc)" onClick={() => setBig(null)} data-action="close">✕</button>
            </span>
          </div>
          <div class="media-big">
            <MediaImage picture={big} overlays={NO_OVERLAYS} maxHeight={Math.round(window.innerHeight * 0.7)} fill />
          </div>
        </Modal>
      )}
    </div>
  );
}
