// Who is signed in to the dashboard: checked once on load (`GET /me`), ended by any 401, started
// by the sign-in page (`POST /session`), ended by sign-out. The session lives in an HttpOnly
// cookie the page cannot read; the browser keeps no key.
import { useEffect, useState } from "preact/hooks";
import { ApiError, setSignInHandler } from "./api";
import { accounts, type Me } from "./accounts";

export type Session =
  | { status: "checking" }
  /** `me` is null for a server without `/me` (an older one): everything is open. */
  | { status: "ready"; me: Me | null }
  /** The server wants a key: `reason` says why; `back` is set when the page may go on without one. */
  | { status: "signin"; reason: string | null; back: Me | null };

let current: Session = { status: "checking" };
const listeners = new Set<(s: Session) => void>();

function set(s: Session): void {
  current = s;
  for (const l of listeners) l(s);
}

export function session(): Session {
  return current;
}

/** Older dashboards kept the key in localStorage: forget it. */
export function forgetStoredKey(): void {
  try {
    localStorage.removeItem("heron.apiKey");
  } catch {
    /* storage disabled */
  }
}

/** Ask the server who we are; a 401 shows the sign-in page. */
export async function checkSession(): Promise<void> {
  try {
    set({ status: "ready", me: await accounts.me() });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) set({ status: "signin", reason: null, back: null });
    // No `/me` (an older server) or no answer: the pages show their own errors.
    else set({ status: "ready", me: null });
  }
}

/** Exchange a key for a session cookie; throws the server's refusal (wrong key, throttled). */
export async function signIn(key: string): Promise<Me> {
  const me = await accounts.signIn(key);
  set({ status: "ready", me });
  return me;
}

export async function signOut(): Promise<void> {
  try {
    await accounts.signOut();
  } catch {
    /* already ended: the sign-in page either way */
  }
  set({ status: "signin", reason: "Signed out.", back: null });
}

/** Show the sign-in page without ending anything (an anonymous reader of a public-read server). */
export function askSignIn(): void {
  set({ status: "signin", reason: null, back: current.status === "ready" ? current.me : null });
}

export function cancelSignIn(): void {
  if (current.status === "signin" && current.back) set({ status: "ready", me: current.back });
}

/** Any request answered 401: the session is missing, expired or was revoked. */
function onUnauthorized(reason: string): void {
  if (current.status === "signin") return;
  const signedIn = current.status === "ready" && current.me?.via === "session";
  set({ status: "signin", reason: signedIn ? `Your session ended (${reason}). Sign in again.` : reason, back: null });
}

export function startSession(): void {
  forgetStoredKey();
  setSignInHandler(onUnauthorized);
  void checkSession();
}

export function useSession(): Session {
  const [s, setS] = useState(current);
  useEffect(() => {
    listeners.add(setS);
    setS(current);
    return () => {
      listeners.delete(setS);
    };
  }, []);
  return s;
}

// What the header offers, from `GET /me` alone (pure, tested).

/** Signed in with a key of our own (not an anonymous visitor of an open or public server). */
export function isSignedIn(me: Me | null): boolean {
  return !!me && me.via !== "anonymous" && !!me.user;
}

export function isAdmin(me: Me | null): boolean {
  return isSignedIn(me) && me!.role === "admin";
}

/** A "Sign in" button for anonymous visitors of a server that has users (not `heron ui`). */
export function canSignIn(me: Me | null): boolean {
  return !!me && me.via === "anonymous" && me.access !== "open";
}
