// The header's account control: who is signed in, the Admin and My keys pages, sign-out.
import type { Me } from "../accounts";
import { href } from "../router";
import { askSignIn, canSignIn, isAdmin, isSignedIn, signOut } from "../session";

export function UserMenu({ me }: { me: Me | null }) {
  if (canSignIn(me)) {
    return (
      <span class="user-menu">
        <button class="btn btn-sm" data-action="signin" onClick={askSignIn}>Sign in</button>
      </span>
    );
  }
  if (!me || !isSignedIn(me)) return null;
  return (
    <span class="user-menu" data-user={me.user ?? ""} data-role={me.role ?? ""}>
      {isAdmin(me) && <a class="btn btn-ghost btn-sm" href={href.admin()} data-action="admin">Admin</a>}
      <a class="btn btn-ghost btn-sm" href={href.myKeys()} data-action="my-keys">My keys</a>
      <span class="user-name" title={`Signed in as ${me.user} (${me.role})`}>
        {me.user} <span class="muted">· {me.role}</span>
      </span>
      {me.via === "session" && (
        <button class="btn btn-sm" data-action="signout" onClick={() => void signOut()}>Sign out</button>
      )}
    </span>
  );
}
