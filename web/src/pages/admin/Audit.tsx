// The audit trail, newest first, a page at a time (`before`: the oldest entry shown).
import { useState } from "preact/hooks";
import { accounts } from "../../accounts";
import { Spinner } from "../../components/bits";
import { dateTime } from "../../format";
import { useLoad } from "../../useLoad";

export const AUDIT_PAGE = 50;

function detailText(d: unknown): string {
  if (d === null || d === undefined || d === "") return "";
  return typeof d === "string" ? d : JSON.stringify(d);
}

export function Audit() {
  // The `before` of each page seen so far: [] is the newest page.
  const [pages, setPages] = useState<number[]>([]);
  const before = pages.length ? pages[pages.length - 1] : undefined;
  const entries = useLoad((signal) => accounts.audit({ limit: AUDIT_PAGE, before }, signal), [before]);
  const list = entries.data ?? [];
  const oldest = list.length ? list[list.length - 1].id : undefined;
  return (
    <section class="admin-section" data-section="audit">
      <div class="toolbar">
        <button class="btn btn-sm" data-action="newer" disabled={!pages.length} onClick={() => setPages(pages.slice(0, -1))}>← Newer</button>
        <button class="btn btn-sm" data-action="older" disabled={list.length < AUDIT_PAGE || oldest === undefined} onClick={() => oldest !== undefined && setPages([...pages, oldest])}>Older →</button>
        <button class="btn btn-sm btn-ghost" onClick={entries.reload}>Refresh</button>
      </div>
      {entries.error && <div class="error" role="alert">{entries.error}</div>}
      {!entries.data ? (
        !entries.error && <Spinner />
      ) : list.length ? (
        <table class="table admin-table audit-table">
          <thead>
            <tr><th>When</th><th>Who</th><th>Action</th><th>Target</th><th>Detail</th></tr>
          </thead>
          <tbody>
            {list.map((e) => (
              <tr key={e.id} data-audit-id={e.id} data-action={e.action}>
                <td class="nowrap">{dateTime(e.at)}</td>
                <td>{e.actor ?? <span class="muted">–</span>}</td>
                <td><code>{e.action}</code></td>
                <td>{e.target ?? ""}</td>
                <td class="audit-detail" title={detailText(e.detail)}>{detailText(e.detail)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <div class="table-empty">Nothing recorded{pages.length ? " before these" : " yet"}.</div>
      )}
    </section>
  );
}
