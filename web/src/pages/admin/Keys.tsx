// API keys: every key (admins) or one's own (My keys): create, revoke, rotate. A new key is
// shown once.
import { useState } from "preact/hooks";
import { accounts, type ApiKeyInfo, type NewKey } from "../../accounts";
import { Spinner } from "../../components/bits";
import { dateTime } from "../../format";
import { useAction, useLoad } from "../../useLoad";
import { NewKeyBox } from "./NewKey";

function KeyRow({ k, showUser, onChange, onKey }: { k: ApiKeyInfo; showUser: boolean; onChange: () => void; onKey: (k: NewKey) => void }) {
  const [confirm, setConfirm] = useState(false);
  const act = useAction();
  const revoked = k.revoked_at !== null && k.revoked_at !== undefined;
  return (
    <tr data-key-id={String(k.id)} data-revoked={revoked ? "1" : "0"} class={revoked ? "row-revoked" : undefined}>
      {showUser && <td>{k.user}</td>}
      <td><code>{k.hint}</code></td>
      <td>{dateTime(k.created_at)}</td>
      <td>{revoked ? <span class="muted">revoked {dateTime(k.revoked_at)}</span> : "active"}</td>
      <td class="admin-actions">
        {!revoked && (confirm ? (
          <>
            <span class="warn-text">Revoke? Sessions signed in with it end.</span>
            <button class="btn btn-sm btn-danger" data-action="confirm-revoke" onClick={() => void act.run(() => accounts.revokeKey(k.id)).then(onChange)}>Revoke</button>
            <button class="btn btn-sm" onClick={() => setConfirm(false)}>No</button>
          </>
        ) : (
          <>
            <button class="btn btn-sm" data-action="rotate" title="A new key for the same user; this one is revoked" disabled={act.busy} onClick={() => void act.run(async () => onKey(await accounts.rotateKey(k.id))).then(onChange)}>
              Rotate
            </button>
            <button class="btn btn-sm btn-danger-ghost" data-action="revoke" onClick={() => setConfirm(true)}>Revoke</button>
          </>
        ))}
        {act.error && <span class="error" role="alert">{act.error}</span>}
      </td>
    </tr>
  );
}

/** `all`: the admin's view (every key, a key for any user); else the caller's own keys. */
export function Keys({ all }: { all: boolean }) {
  const keys = useLoad((signal) => accounts.keys(signal));
  const users = useLoad((signal) => (all ? accounts.users(signal) : Promise.resolve([])), [all]);
  const [forUser, setForUser] = useState("");
  const [made, setMade] = useState<NewKey | null>(null);
  const [showRevoked, setShowRevoked] = useState(false);
  const act = useAction();
  const create = () => act.run(async () => setMade(await accounts.createKey(all ? forUser || undefined : undefined))).then(keys.reload);
  const list = (keys.data ?? []).filter((k) => showRevoked || k.revoked_at === null || k.revoked_at === undefined);
  return (
    <section class="admin-section" data-section="keys">
      <div class="toolbar admin-form">
        {all && (
          <select class="select" aria-label="Key for user" value={forUser} onChange={(e) => setForUser((e.target as HTMLSelectElement).value)}>
            <option value="">myself</option>
            {(users.data ?? []).map((u) => (
              <option key={u.name} value={u.name}>{u.name}</option>
            ))}
          </select>
        )}
        <button class="btn btn-primary" data-action="create-key" disabled={act.busy} onClick={() => void create()}>Create key</button>
        <label class="field check">
          <input type="checkbox" checked={showRevoked} onChange={(e) => setShowRevoked((e.target as HTMLInputElement).checked)} />
          <span>Show revoked</span>
        </label>
        {act.error && <span class="error" role="alert">{act.error}</span>}
      </div>
      {made && <NewKeyBox made={made} onDone={() => setMade(null)} />}
      {keys.error && <div class="error" role="alert">{keys.error}</div>}
      {!keys.data ? (
        !keys.error && <Spinner />
      ) : list.length ? (
        <table class="table admin-table">
          <thead>
            <tr>{all && <th>User</th>}<th>Key</th><th>Created</th><th>State</th><th /></tr>
          </thead>
          <tbody>
            {list.map((k) => (
              <KeyRow key={String(k.id)} k={k} showUser={all} onChange={keys.reload} onKey={setMade} />
            ))}
          </tbody>
        </table>
      ) : (
        <div class="table-empty">No keys.</div>
      )}
    </section>
  );
}
