// A project's access, for its owners: visibility, team and per-user grants, in a dialog opened
// from the workspace's header.
import { useState } from "preact/hooks";
import { accounts, type ProjectAccess } from "../accounts";
import { Modal } from "../components/Modal";
import { useAction, useLoad } from "../useLoad";
import { useSession } from "../session";

export const PROJECT_ROLES = ["viewer", "member", "owner"] as const;

function RoleSelect(props: { value: string; label: string; onChange: (r: string) => void; disabled?: boolean }) {
  return (
    <select class="select select-sm" aria-label={props.label} value={props.value} disabled={props.disabled} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}>
      {PROJECT_ROLES.map((r) => (
        <option key={r} value={r}>{r}</option>
      ))}
    </select>
  );
}

function AccessDialog({ project, access, onChange, onClose }: { project: string; access: ProjectAccess; onChange: () => void; onClose: () => void }) {
  const teams = useLoad((signal) => accounts.teams(signal));
  const [user, setUser] = useState("");
  const [role, setRole] = useState("viewer");
  const act = useAction();
  const change = (f: () => Promise<unknown>) => void act.run(f).then(onChange);
  const teamNames = (teams.data ?? []).map((t) => t.name);
  if (access.team && !teamNames.includes(access.team)) teamNames.unshift(access.team);
  const grant = async (e: Event) => {
    e.preventDefault();
    if (await act.run(() => accounts.grant(project, user.trim(), role))) setUser("");
    onChange();
  };
  return (
    <Modal label={`Access to ${project}`} onClose={onClose} class="modal-access">
      <div class="card-head">
        <span class="card-title">Access to {project}</span>
        <span class="spacer" />
        <button class="btn btn-sm btn-ghost" aria-label="Close" onClick={onClose}>✕</button>
      </div>
      <div class="access-body">
        <p class="muted">
          Owner: <b>{access.owner ?? "–"}</b>
          {access.entity ? <> · entity <b>{access.entity}</b></> : null}
        </p>
        <label class="field">
          <span>Visibility</span>
          <select class="select" aria-label="Visibility" value={access.visibility} disabled={act.busy} onChange={(e) => change(() => accounts.setAccess(project, { visibility: (e.target as HTMLSelectElement).value }))}>
            <option value="server">server: every user reads it</option>
            <option value="private">private: owner, team and grants only</option>
          </select>
        </label>
        <label class="field">
          <span>Team</span>
          <select class="select" aria-label="Team" value={access.team ?? ""} disabled={act.busy} onChange={(e) => change(() => accounts.setAccess(project, { team: (e.target as HTMLSelectElement).value || null }))}>
            <option value="">no team</option>
            {teamNames.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
        </label>
        <h3 class="access-title">People</h3>
        {access.members.length ? (
          <table class="table admin-table">
            <tbody>
              {access.members.map((m) => (
                <tr key={m.user} data-grant={m.user}>
                  <td>{m.user}</td>
                  <td><RoleSelect label={`Role of ${m.user} on ${project}`} value={String(m.role)} disabled={act.busy} onChange={(r) => change(() => accounts.grant(project, m.user, r))} /></td>
                  <td class="admin-actions">
                    <button class="btn btn-sm btn-danger-ghost" data-action="ungrant" disabled={act.busy} onClick={() => change(() => accounts.ungrant(project, m.user))}>Remove</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="muted">No one has a role of their own on this project.</p>
        )}
        <form class="toolbar admin-form" onSubmit={grant} aria-label="Grant a role">
          <input class="input input-sm" placeholder="user" aria-label="User to grant" value={user} onInput={(e) => setUser((e.target as HTMLInputElement).value)} />
          <RoleSelect label="Role to grant" value={role} onChange={setRole} />
          <button class="btn btn-sm btn-primary" type="submit" data-action="grant" disabled={act.busy || !user.trim()}>Grant</button>
        </form>
        {act.error && <div class="error" role="alert">{act.error}</div>}
      </div>
    </Modal>
  );
}

/** "Access" in the workspace's header, for the project's owners only; none on `heron ui`, whose
 * open store has no users to grant anything to. */
export function AccessButton({ project }: { project: string }) {
  const s = useSession();
  const openServer = s.status === "ready" && s.me?.access === "open";
  const access = useLoad((signal) => (openServer ? Promise.resolve(null) : accounts.access(project, signal).catch(() => null)), [project, openServer]);
  const [open, setOpen] = useState(false);
  if (openServer || !access.data || access.data.level !== "owner") return null;
  return (
    <>
      <button class="btn btn-ghost" data-action="access" title="Who may read and write this project" onClick={() => setOpen(true)}>
        Access{access.data.visibility === "private" ? " · private" : ""}
      </button>
      {open && <AccessDialog project={project} access={access.data} onChange={access.reload} onClose={() => setOpen(false)} />}
    </>
  );
}
