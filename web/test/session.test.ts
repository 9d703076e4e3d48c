// What the header offers, from `GET /me` alone.
import { describe, expect, it } from "vitest";
import type { Me } from "../src/accounts";
import { canSignIn, isAdmin, isSignedIn } from "../src/session";

const me = (extra: Partial<Me>): Me => ({ user: "ada", role: "member", teams: [], access: "keys", via: "session", ...extra });

describe("the account control", () => {
  it.each<[string, Me | null, { signedIn: boolean; admin: boolean; signIn: boolean }]>([
    ["a member signed in", me({}), { signedIn: true, admin: false, signIn: false }],
    ["an admin signed in", me({ role: "admin" }), { signedIn: true, admin: true, signIn: false }],
    ["an admin through a key header", me({ role: "admin", via: "key" }), { signedIn: true, admin: true, signIn: false }],
    // heron ui: anonymous callers may do everything, but there are no users to sign in as
    ["heron ui", me({ user: null, role: "admin", access: "open", via: "anonymous" }), { signedIn: false, admin: false, signIn: false }],
    ["an anonymous reader of a public-read server", me({ user: null, role: null, access: "public-read", via: "anonymous" }), { signedIn: false, admin: false, signIn: true }],
    ["a server without /me", null, { signedIn: false, admin: false, signIn: false }],
  ])("%s", (_who, m, want) => {
    expect({ signedIn: isSignedIn(m), admin: isAdmin(m), signIn: canSignIn(m) }).toEqual(want);
  });
});
