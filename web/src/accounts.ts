// The typed client for who is signed in and who may do what (docs/security.md): the session,
// users, keys, teams, a project's access and the audit trail. Same transport as api.ts.
import { projectUrl, request, url } from "./api";

export type Role = "admin" | "member" | "viewer";
export type TeamRole = "admin" | "member" | "viewer";
export type ProjectRole = "viewer" | "member" | "owner";
export type Visibility = "server" | "private";

/** `GET /me`: who the server takes the caller for. */
export interface Me {
  user: string | null;
  role: Role | string | null;
  teams: { name: string; role: TeamRole | string }[];
  /** The server's access mode: "keys", "public-read" or "open" (`heron ui`). */
  access: string;
  via: "key" | "session" | "anonymous" | string;
}

export interface User {
  name: string;
  role: Role | string;
  created_at: number;
  /** Set for a removed user (their runs stay; their keys and sessions ended). */
  removed_at?: number | null;
  keys: number;
}

export interface ApiKeyInfo {
  id: number | string;
  user: string;
  hint: string;
  created_at: number;
  revoked_at: number | null;
}

/** What `POST /keys` and rotation answer: the key itself, shown only once. */
export interface NewKey {
  id: number | string;
  key: string;
  user: string;
  hint: string;
}

export interface Team {
  name: string;
  members: { user: string; role: TeamRole | string }[];
  created_at?: number;
}

export interface ProjectAccess {
  entity: string;
  owner: string | null;
  team: string | null;
  visibility: Visibility | string;
  members: { user: string; role: ProjectRole | string }[];
  /** The caller's level on the project. */
  level: ProjectRole | string | null;
}

export interface AuditEntry {
  id: number;
  at: number;
  actor: string | null;
  action: string;
  target: string | null;
  detail: unknown;
}

const enc = encodeURIComponent;

export const accounts = {
  me: () => request<Me>(url("me"), { own401: true }),
  signIn: (key: string) => request<Me>(url("session"), { method: "POST", json: { key }, own401: true }),
  signOut: () => request<unknown>(url("session"), { method: "DELETE", own401: true }),

  users: (signal?: AbortSignal) => request<User[]>(url("users"), { signal }),
  createUser: (name: string, role: string) => request<User>(url("users"), { method: "POST", json: { name, role } }),
  setUserRole: (name: string, role: string) => request<User>(url(`users/${enc(name)}`), { method: "PATCH", json: { role } }),
  removeUser: (name: string) => request<unknown>(url(`users/${enc(name)}`), { method: "DELETE" }),

  keys: (signal?: AbortSignal) => request<ApiKeyInfo[]>(url("keys"), { signal }),
  /** A key for `user` (admins), or for the caller (no user). */
  createKey: (user?: string) => request<NewKey>(url("keys"), { method: "POST", json: user ? { user } : {} }),
  revokeKey: (id: number | string) => request<unknown>(url(`keys/${enc(String(id))}`), { method: "DELETE" }),
  rotateKey: (id: number | string) => request<NewKey>(url(`keys/${enc(String(id))}/rotate`), { method: "POST", json: {} }),

  teams: (signal?: AbortSignal) => request<Team[]>(url("teams"), { signal }),
  createTeam: (name: string) => request<Team>(url("teams"), { method: "POST", json: { name } }),
  setTeamMember: (team: string, user: string, role: string) =>
    request<unknown>(url(`teams/${enc(team)}/members/${enc(user)}`), { method: "PUT", json: { role } }),
  removeTeamMember: (team: string, user: string) =>
    request<unknown>(url(`teams/${enc(team)}/members/${enc(user)}`), { method: "DELETE" }),

  access: (project: string, signal?: AbortSignal) => request<ProjectAccess>(projectUrl(`projects/${enc(project)}/access`), { signal }),
  setAccess: (project: string, patch: { visibility?: string; team?: string | null; owner?: string }) =>
    request<ProjectAccess>(projectUrl(`projects/${enc(project)}/access`), { method: "PATCH", json: patch }),
  grant: (project: string, user: string, role: string) =>
    request<unknown>(projectUrl(`projects/${enc(project)}/members/${enc(user)}`), { method: "PUT", json: { role } }),
  ungrant: (project: string, user: string) =>
    request<unknown>(projectUrl(`projects/${enc(project)}/members/${enc(user)}`), { method: "DELETE" }),

  audit: (q: { limit?: number; before?: number }, signal?: AbortSignal) =>
    request<AuditEntry[]>(url("audit", { limit: q.limit, before: q.before }), { signal }),
};
