// Teams and their members, each with a team role (team admins count as owners of its projects).
import { useState } from "preact/hooks";
import { accounts, type Team } from "../../accounts";
import { Spinner } from "../../components/bits";
import { useAction, useLoad } from "../../useLoad";

export const TEAM_ROLES = ["admin", "member", "viewer"] as const;

function TeamRoleSelect(props: { value: string; label: string; onChange: (r: string) => void; disabled?: boolean }) {
  return (
    <select class="select select-sm" aria-label={props.label} value={props.value} disabled={props.disabled} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}>
      {TEAM_ROLES.map((r) => (
        <option key={r} value={r}>{r}</option>
      ))}
    </select>
  );
}

function TeamCard({ team, users, onChange }: { team: Team; users: string[]; onChange: () => void }) {
  const [user, setUser] = useState("");
  const [role, setRole] = useState("member");
  const act = useAction();
  const members = team.members ?? [];
  const addable = users.filter((u) => !members.some((m) => m.user === u));
  const add = async (e: Event) => {
    e.preventDefault();
    if (await act.run(() => accounts.setTeamMember(team.name, user.trim(), role))) setUser("");
    onChange();
  };
  return (
    <div class="card team-card" data-team={team.name}>
      <div class="card-head"><span class="card-title">{team.name}</span><span class="muted">{members.length} members</span></div>
      <table class="table admin-table">
        <tbody>
          {members.map((m) => (
            <tr key={m.user} data-member={m.user}>
              <td>{m.user}</td>
              <td>
                <TeamRoleSelect label={`Team role of ${m.user}`} value={String(m.role)} disabled={act.busy} onChange={(r) => void act.run(() => accounts.setTeamMember(team.name, m.user, r)).then(onChange)} />
              </td>
              <td class="admin-actions">
                <button class="btn btn-sm btn-danger-ghost" data-action="remove-member" disabled={act.busy} onClick={() => void act.run(() => accounts.removeTeamMember(team.name, m.user)).then(onChange)}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="toolbar admin-form" onSubmit={add} aria-label={`Add a member to ${team.name}`}>
        <input class="input input-sm" list={`users-${team.name}`} placeholder="user" aria-label="Member to add" value={user} onInput={(e) => setUser((e.target as HTMLInputElement).value)} />
        <datalist id={`users-${team.name}`}>
          {addable.map((u) => <option key={u} value={u} />)}
        </datalist>
        <TeamRoleSelect label="Role of the new member" value={role} onChange={setRole} />
        <button class="btn btn-sm" type="submit" data-action="add-member" disabled={act.busy || !user.trim()}>Add member</button>
        {act.error && <span class="error" role="alert">{act.error}</span>}
      </form>
    </div>
  );
}

/** `admin`: a server admin (creates teams, sees every user); else a team admin managing `only`. */
export function Teams({ admin, only }: { admin: boolean; only?: string[] }) {
  const teams = useLoad((signal) => accounts.teams(signal));
  const users = useLoad((signal) => (admin ? accounts.users(signal) : Promise.resolve([])), [admin]);
  const [name, setName] = useState("");
  const act = useAction();
  const create = async (e: Event) => {
    e.preventDefault();
    if (await act.run(() => accounts.createTeam(name.trim()))) {
      setName("");
      teams.reload();
    }
  };
  const userNames = (users.data ?? []).map((u) => u.name);
  return (
    <section class="admin-section" data-section="teams">
      {admin && (
        <form class="toolbar admin-form" onSubmit={create} aria-label="New team">
          <input class="input" placeholder="team name" aria-label="New team name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          <button class="btn btn-primary" type="submit" data-action="create-team" disabled={act.busy || !name.trim()}>Create team</button>
          {act.error && <span class="error" role="alert">{act.error}</span>}
        </form>
      )}
      {teams.error && <div class="error" role="alert">{teams.error}</div>}
      {!teams.data ? (
        !teams.error && <Spinner />
      ) : teams.data.length ? (
        <div class="team-grid">
          {teams.data.filter((t) => !only || only.includes(t.name)).map((t) => <TeamCard key={t.name} team={t} users={userNames} onChange={teams.reload} />)}
        </div>
      ) : (
        <div class="table-empty">No teams yet.</div>
      )}
    </section>
  );
}
