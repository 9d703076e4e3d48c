// The Admin page (`#/admin/...`): users, keys, teams and the audit trail; and My keys (`#/keys`)
// for everyone signed in.
import type { Me } from "../accounts";
import { Empty } from "../components/bits";
import { ADMIN_TABS, href, type AdminTab } from "../router";
import { isAdmin } from "../session";
import { Audit } from "./admin/Audit";
import { Keys } from "./admin/Keys";
import { Teams } from "./admin/Teams";
import { Users } from "./admin/Users";

const LABELS: Record<AdminTab, string> = { users: "Users", keys: "Keys", teams: "Teams", audit: "Audit trail" };

export function Admin({ me, tab }: { me: Me | null; tab: AdminTab }) {
  if (!isAdmin(me)) {
    return (
      <div class="page">
        <Empty title="Admins only">This page is for the server's admins. <a href={href.myKeys()}>Your keys</a> are on their own page.</Empty>
      </div>
    );
  }
  return (
    <div class="page admin-page">
      <div class="page-head">
        <h1 class="page-title">Admin</h1>
      </div>
      <nav class="tabs" role="tablist">
        {ADMIN_TABS.map((t) => (
          <a key={t} role="tab" aria-selected={tab === t} class={`tab${tab === t ? " active" : ""}`} href={href.admin(t)} data-tab={t}>
            {LABELS[t]}
          </a>
        ))}
      </nav>
      {tab === "users" && <Users me={me!.user} />}
      {tab === "keys" && <Keys all />}
      {tab === "teams" && <Teams admin />}
      {tab === "audit" && <Audit />}
    </div>
  );
}

export function MyKeys({ me }: { me: Me | null }) {
  const led = (me?.teams ?? []).filter((t) => t.role === "admin").map((t) => t.name);
  return (
    <div class="page admin-page">
      <div class="page-head">
        <h1 class="page-title">My keys</h1>
        {me?.user && <span class="muted">{me.user} · {me.role}</span>}
      </div>
      <p class="muted">Keys for the SDK (<code>HERON_API_KEY</code>, <code>heron login</code>) and for signing in here. Revoking a key ends the sessions signed in with it.</p>
      <Keys all={false} />
      {led.length > 0 && (
        <>
          <h2 class="section-title">Teams I run</h2>
          <Teams admin={false} only={led} />
        </>
      )}
      {me && me.teams.length > 0 && (
        <div class="card my-teams">
          <div class="card-head"><span class="card-title">My teams</span></div>
          <ul>
            {me.teams.map((t) => <li key={t.name}>{t.name} <span class="muted">({t.role})</span></li>)}
          </ul>
        </div>
      )}
    </div>
  );
}
