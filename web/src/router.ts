// Client-side routing by the URL hash, so the server only serves index.html at "/".
import { useEffect, useState } from "preact/hooks";
import { currentEntity, setProjectEntity } from "./api";

/** Whose project a page shows: `entity` from the link (`?entity=alice`; empty for the
 * entity `""`), absent in links from before entities were in URLs (the server then picks the
 * project of that name the caller holds most rights on). */
type InProject = { project: string; entity?: string };

export type Route =
  | { page: "projects" }
  | ({ page: "workspace" } & InProject)
  | ({ page: "compare"; runs: string[] } & InProject)
  | ({ page: "run"; run: string; tab: string } & InProject)
  | ({ page: "sweeps" } & InProject)
  | ({ page: "sweep"; sweep: string } & InProject)
  | ({ page: "artifacts" } & InProject)
  | ({ page: "artifact"; name: string; alias: string; file: string | null } & InProject)
  | { page: "admin"; tab: AdminTab }
  | { page: "keys" }
  | { page: "notfound"; path: string };

export const ADMIN_TABS = ["users", "keys", "teams", "audit"] as const;
export type AdminTab = (typeof ADMIN_TABS)[number];

export function parseHash(hash: string): Route {
  const [path, qs] = hash.replace(/^#/, "").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const query = new URLSearchParams(qs ?? "");
  if (parts.length === 0) return { page: "projects" };
  if (parts[0] === "admin" && parts.length <= 2) {
    const tab = (parts[1] ?? "users") as AdminTab;
    if (ADMIN_TABS.includes(tab)) return { page: "admin", tab };
  }
  if (parts[0] === "keys" && parts.length === 1) return { page: "keys" };
  if (parts[0] === "p" && parts.length >= 2) {
    const entity = query.get("entity");
    const p: InProject = entity === null ? { project: parts[1] } : { project: parts[1], entity };
    if (parts.length === 2) return { page: "workspace", ...p };
    if (parts[2] === "compare") {
      return { page: "compare", ...p, runs: (query.get("runs") ?? "").split(",").filter(Boolean) };
    }
    if (parts[2] === "sweeps") {
      return parts.length >= 4 ? { page: "sweep", ...p, sweep: parts[3] } : { page: "sweeps", ...p };
    }
    if (parts[2] === "artifacts") {
      if (parts.length === 3) return { page: "artifacts", ...p };
      if (parts.length === 5) return { page: "artifact", ...p, name: parts[3], alias: parts[4], file: query.get("file") };
    }
    if (parts[2] === "r" && parts.length >= 4) {
      return { page: "run", ...p, run: parts[3], tab: parts[4] ?? "overview" };
    }
  }
  return { page: "notfound", path };
}

/** The entity of the route's project (undefined: none named, or not a project's page). */
export function routeEntity(route: Route): string | undefined {
  return "project" in route ? route.entity : undefined;
}

/** A project a link leads to: a name alone means the page's own project (its entity, if the
 * page knows it); `{ name, entity }` names the entity (`""` too; undefined: none). */
export type ProjectLink = string | { name: string; entity?: string };

/** The link to a project an object names (a run, an artifact version): with its entity when
 * that is not `""`, or when the page itself names one (so links from a page reached by an
 * old URL, without an entity, keep their old form). */
export function linkTo(obj: { project: string; entity: string }): ProjectLink {
  return { name: obj.project, entity: obj.entity || currentEntity() !== undefined ? obj.entity : undefined };
}

const e = encodeURIComponent;

/** `#/p/<name><rest>`, with `entity=` (and `more`) in the hash's query. */
function projectHash(project: ProjectLink, rest = "", more: [string, string][] = []): string {
  const name = typeof project === "string" ? project : project.name;
  const entity = typeof project === "string" ? currentEntity() : project.entity;
  const query = more.map(([k, v]) => `${k}=${v}`);
  if (entity !== undefined) query.push(`entity=${e(entity)}`);
  return `#/p/${e(name)}${rest}${query.length ? `?${query.join("&")}` : ""}`;
}

export const href = {
  projects: () => "#/",
  workspace: (project: ProjectLink) => projectHash(project),
  run: (project: ProjectLink, run: string, tab?: string) =>
    projectHash(project, `/r/${e(run)}${tab && tab !== "overview" ? `/${tab}` : ""}`),
  sweeps: (project: ProjectLink) => projectHash(project, "/sweeps"),
  sweep: (project: ProjectLink, sweep: string) => projectHash(project, `/sweeps/${e(sweep)}`),
  artifacts: (project: ProjectLink) => projectHash(project, "/artifacts"),
  /** A version by alias or number (`v3`); `file` selects a file to preview. */
  artifact: (project: ProjectLink, name: string, alias: string, file?: string | null) =>
    projectHash(project, `/artifacts/${e(name)}/${e(alias)}`, file ? [["file", e(file)]] : []),
  admin: (tab?: AdminTab) => (tab && tab !== "users" ? `#/admin/${tab}` : "#/admin"),
  myKeys: () => "#/keys",
  compare: (project: ProjectLink, runs: string[]) =>
    projectHash(project, "/compare", [["runs", runs.map(e).join(",")]]),
};

/** The route, read before it is rendered: requests for its project name its entity. */
function readRoute(): Route {
  const route = parseHash(location.hash);
  setProjectEntity(routeEntity(route));
  return route;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(readRoute);
  useEffect(() => {
    const on = () => setRoute(readRoute());
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return route;
}
