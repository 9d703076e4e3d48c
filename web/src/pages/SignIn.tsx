// The sign-in page: one API key, exchanged for a session cookie (`POST /session`); then the page
// the user was on (the URL hash never changed).
import { useState } from "preact/hooks";
import { ApiError } from "../api";
import { cancelSignIn, signIn } from "../session";

function refusal(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 401 || e.status === 403) return `This key was refused: ${e.reason}`;
    if (e.status === 429) return `Too many attempts: ${e.reason}`;
    return `The server could not sign you in (${e.message}).`;
  }
  return `Cannot reach the Heron server (${(e as Error).message}).`;
}

export function SignIn(props: { reason: string | null; canCancel: boolean }) {
  const [key, setKey] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    const k = key.trim();
    if (!k) return;
    setBusy(true);
    setError(null);
    try {
      await signIn(k);
    } catch (err) {
      setError(refusal(err));
      setBusy(false);
    }
  };

  return (
    <div class="page signin-page">
      <form class="card signin" onSubmit={submit} aria-label="Sign in">
        <h1 class="page-title">Sign in to Heron</h1>
        <p class="muted">
          This server needs an API key. Your key is exchanged for a session of this browser and is not stored in it.
        </p>
        {props.reason && <p class="signin-reason" data-testid="signin-reason">{props.reason}</p>}
        <label class="signin-field">
          <span>API key</span>
          <input
            class="input"
            type="password"
            name="key"
            autoComplete="current-password"
            placeholder="hk-…"
            aria-label="API key"
            value={key}
            autoFocus
            onInput={(e) => setKey((e.target as HTMLInputElement).value)}
          />
        </label>
        {error && <p class="signin-error" role="alert" data-testid="signin-error">{error}</p>}
        <div class="signin-actions">
          <button class="btn btn-primary" type="submit" disabled={busy || !key.trim()}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
          {props.canCancel && (
            <button class="btn btn-ghost" type="button" onClick={cancelSignIn}>
              Cancel
            </button>
          )}
        </div>
        <p class="muted signin-help">
          An admin gives you a key (<b>Admin</b> page, or <code>heron server keys create</code>).
        </p>
      </form>
    </div>
  );
}
