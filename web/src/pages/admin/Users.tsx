// Admin: the server's users, their roles, new users and a first key for each.
import { useState } from "preact/hooks";
import { accounts, type NewKey, type User } from "../../accounts";
import { Spinner } from "../../components/bits";
import { dateTime } from "../../format";
import { useAction, useLoad } from "../../useLoad";
import { NewKeyBox } from "./NewKey";

export const ROLES = ["admin", "member", "viewer"] as const;

function RoleSelect(props: { value: string; onChange: (role: string) => void; label: string; disabled?: boolean }) {
  return (
    <select class="select select-sm" aria-label={props.label} value={props.value} disabled={props.disabled} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}>
      {ROLES.map((r) => (
        <option key={r} value={r}>{r}</option>
      ))}
    </select>
  );
}

function CreateUser({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState("");
  const [role, setRole] = useState("member");
  const act = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    if (await act.run(() => accounts.createUser(name.trim(), role))) {
      setName("");
      onCreated();
    }
  };
  return (
    <form class="toolbar admin-form" onSubmit={submit} aria-label="New user">
      <input class="input" placeholder="user name" aria-label="New user name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      <RoleSelect label="New user role" value={role} onChange={setRole} />
      <button class="btn btn-primary" type="submit" data-action="create-user" disabled={act.busy || !name.trim()}>Create user</button>
      {act.error && <span class="error" role="alert">{act.error}</span>}
    </form>
  );
}

function UserRow({ user, me, onChange, onKey }: { user: User; me: string | null; onChange: () => void; onKey: (k: NewKey) => void }) {
  const [confirm, setConfirm] = useState(false);
  const act = useAction();
  return (
    <tr data-user={user.name}>
      <td>{user.name}{user.name === me && <span class="muted"> (you)</span>}</td>
      <td>
        <RoleSelect label={`Role of ${user.name}`} value={String(user.role)} disabled={act.busy} onChange={(r) => void act.run(() => accounts.setUserRole(user.name, r)).then(onChange)} />
      </td>
      <td class="right num">{user.keys}</td>
      <td>{dateTime(user.created_at)}</td>
      <td class="admin-actions">
        <button class="btn btn-sm" data-action="new-key" disabled={act.busy} onClick={() => void act.run(async () => onKey(await accounts.createKey(user.name))).then(onChange)}>
          New key
        </button>
        {confirm ? (
          <>
            <span class="warn-text">Remove {user.name} and revoke their keys?</span>
            <button class="btn btn-sm btn-danger" data-action="confirm-remove" onClick={() => void act.run(() => accounts.removeUser(user.name)).then(onChange)}>Remove</button>
            <button class="btn btn-sm" onClick={() => setConfirm(false)}>No</button>
          </>
        ) : (
          <button class="btn btn-sm btn-danger-ghost" data-action="remove-user" disabled={user.name === me} onClick={() => setConfirm(true)}>Remove</button>
        )}
        {act.error && <span class="error" role="alert">{act.error}</span>}
      </td>
    </tr>
  );
}

export function Users({ me }: { me: string | null }) {
  const users = useLoad((signal) => accounts.users(signal));
  const [made, setMade] = useState<NewKey | null>(null);
  return (
    <section class="admin-section" data-section="users">
      <CreateUser onCreated={users.reload} />
      {made && <NewKeyBox made={made} onDone={() => setMade(null)} />}
      {users.error && <div class="error" role="alert">{users.error}</div>}
      {!users.data ? (
        !users.error && <Spinner />
      ) : (
        <table class="table admin-table">
          <thead>
            <tr><th>User</th><th>Role</th><th class="right">Keys</th><th>Created</th><th /></tr>
          </thead>
          <tbody>
            {users.data.filter((u) => !u.removed_at).map((u) => (
              <UserRow key={u.name} user={u} me={me} onChange={users.reload} onKey={setMade} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
