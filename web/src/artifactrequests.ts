// The artifact pages' requests beyond `artifactApi` (api.ts): lists read a page at a time, and
// a version's edits and delete (routes/artifacts.py). Same transport (session cookie, CSRF
// header on writes) as every other request.
import { request, url, type ArtifactCollection, type ArtifactVersion, type Json } from "./api";

const enc = encodeURIComponent;

/** Where the next page of versions starts: the last version read, as `name:vN`. */
export function versionCursor(v: { name: string; version: number }): string {
  return `${v.name}:v${v.version}`;
}

export const artifactPages = {
  /** At most `limit` versions (of one collection or type) after the cursor `after`, by
   * collection name, newest first. */
  versions: (project: string, q: { name?: string; type?: string; limit: number; after?: string }, signal?: AbortSignal) =>
    request<ArtifactVersion[]>(url(`projects/${enc(project)}/artifacts`, q), { signal }),

  /** At most `limit` collections after the one named `after`, by name. */
  collections: (project: string, q: { type?: string; limit: number; after?: string }, signal?: AbortSignal) =>
    request<ArtifactCollection[]>(url(`projects/${enc(project)}/artifact-collections`, q), { signal }),
};

export const artifactWrites = {
  /** `artifact.save()`: the fields given replace the stored ones; `aliases` is the whole list. */
  save: (id: number, patch: { description?: string; metadata?: Record<string, Json>; aliases?: string[] }) =>
    request<ArtifactVersion>(url(`artifacts/${id}`), { method: "PATCH", json: patch }),

  /** 409 while aliases point at the version, unless `deleteAliases`. */
  remove: (id: number, deleteAliases: boolean) =>
    request<{ deleted: boolean }>(url(`artifacts/${id}`, { delete_aliases: String(deleteAliases) }), { method: "DELETE" }),
};
