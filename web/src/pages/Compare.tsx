// Compare runs side by side: config (and summary) keys as rows, runs as columns, differences
// highlighted; by default only the keys whose values differ.
import { useEffect, useMemo, useState } from "preact/hooks";
import { api, type Json, type Run } from "../api";
import { runColors } from "../colors";
import { Empty, Spinner, StatePill } from "../components/bits";
import { flat } from "../filter";
import { fmtValue } from "../format";
import { href } from "../router";

function same(values: (Json | undefined)[]): boolean {
  const s = values.map((v) => (v === undefined ? "\u0000missing" : JSON.stringify(v)));
  return s.every((x) => x === s[0]);
}

function Section(props: { title: string; runs: Run[]; kind: "config" | "summary"; onlyDiff: boolean; q: string }) {
  const { runs, kind, onlyDiff } = props;
  const rows = useMemo(() => {
    const keys = new Set<string>();
    for (const r of runs) for (const k of Object.keys(flat(r)[kind])) if (!k.startsWith("_")) keys.add(k);
    return [...keys]
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
      .map((k) => {
        const values = runs.map((r) => flat(r)[kind][k]);
        return { key: k, values, differs: !same(values) };
      });
  }, [runs, kind]);
  const q = props.q.trim().toLowerCase();
  const shown = rows.filter((r) => (!onlyDiff || r.differs) && (!q || r.key.toLowerCase().includes(q)));
  const differing = rows.filter((r) => r.differs).length;
  return (
    <>
      <tr class="cmp-section">
        <th colSpan={runs.length + 1}>
          {props.title} <span class="muted">{differing} of {rows.length} keys differ</span>
        </th>
      </tr>
      {shown.map((r) => (
        <tr key={r.key} class={r.differs ? "differs" : ""} data-key={r.key}>
          <th class="cmp-key" title={r.key}>{r.key}</th>
          {r.values.map((v, i) => (
            <td key={runs[i].id} class={typeof v === "number" ? "num" : ""}>
              {v === undefined ? <span class="muted">–</span> : fmtValue(v)}
            </td>
          ))}
        </tr>
      ))}
      {!shown.length && (
        <tr>
          <td colSpan={runs.length + 1} class="muted">
            {onlyDiff ? "No differences." : "No keys."}
          </td>
        </tr>
      )}
    </>
  );
}

export function Compare({ project, runIds }: { project: string; runIds: string[] }) {
  const [all, setAll] = useState<Run[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [onlyDiff, setOnlyDiff] = useState(true);
  const [q, setQ] = useState("");
  useEffect(() => {
    api.runs(project).then(setAll).catch((e: Error) => setError(e.message));
  }, [project]);
  const colors = useMemo(() => runColors(all ?? []), [all]);
  if (error) return <div class="page"><Empty title="Could not load runs">{error}</Empty></div>;
  if (!all) return <div class="page"><Spinner /></div>;
  const runs = runIds.map((id) => all.find((r) => r.id === id)).filter((r): r is Run => !!r);
  if (runs.length < 2) {
    return (
      <div class="page">
        <Empty title="Pick at least two runs">
          Tick the runs to compare in the <a href={href.workspace(project)}>runs table</a>, then press Compare.
        </Empty>
      </div>
    );
  }
  return (
    <div class="page compare">
      <div class="page-head">
        <h1 class="page-title">Compare {runs.length} runs</h1>
        <span class="spacer" />
        <input class="input input-sm" type="search" placeholder="Find a key" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
        <label class="field check">
          <input type="checkbox" checked={onlyDiff} onChange={(e) => setOnlyDiff((e.target as HTMLInputElement).checked)} />
          <span>Only differences</span>
        </label>
        <a class="btn btn-ghost" href={href.workspace(project)}>← {project}</a>
      </div>
      <div class="cmp-scroll">
        <table class="table cmp-table">
          <thead>
            <tr>
              <th class="cmp-key">Key</th>
              {runs.map((r) => (
                <th key={r.id} class="cmp-run">
                  <span class="swatch" style={{ background: colors.get(r.id) }} />
                  <a href={href.run(project, r.id)} title={r.name}>{r.name}</a>
                  <div><StatePill state={r.state} /></div>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <Section title="Config" runs={runs} kind="config" onlyDiff={onlyDiff} q={q} />
            <Section title="Summary" runs={runs} kind="summary" onlyDiff={onlyDiff} q={q} />
          </tbody>
        </table>
      </div>
    </div>
  );
}
