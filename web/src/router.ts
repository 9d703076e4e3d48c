// Client-side routing by the URL hash, so the server only serves index.html at "/".
import { useEffect, useState } from "preact/hooks";

export type Route =
  | { page: "projects" }
  | { page: "workspace"; project: string }
  | { page: "compare"; project: string; runs: string[] }
  | { page: "run"; project: string; run: string; tab: string }
  | { page: "sweeps"; project: string }
  | { page: "sweep"; project: string; sweep: string }
  | { page: "artifacts"; project: string }
  | { page: "artifact"; project: string; name: string; alias: string; file: string | null }
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
    const project = parts[1];
    if (parts.length === 2) return { page: "workspace", project };
    if (parts[2] === "compare") {
      return { page: "compare", project, runs: (query.get("runs") ?? "").split(",").filter(Boolean) };
    }
    if (parts[2] === "sweeps") {
      return parts.length >= 4 ? { page: "sweep", project, sweep: parts[3] } : { page: "sweeps", project };
    }
    if (parts[2] === "artifacts") {
      if (parts.length === 3) return { page: "artifacts", project };
      if (parts.length === 5) return { page: "artifact", project, name: parts[3], alias: parts[4], file: query.get("file") };
    }
    if (parts[2] === "r" && parts.length >= 4) {
      return { page: "run", project, run: parts[3], tab: parts[4] ?? "overview" };
    }
  }
  return { page: "notfound", path };
}

const e = encodeURIComponent;
export const href = {
  projects: () => "#/",
  workspace: (project: string) => `#/p/${e(project)}`,
  run: (project: string, run: string, tab?: string) =>
    `#/p/${e(project)}/r/${e(run)}${tab && tab !== "overview" ? `/${tab}` : ""}`,
  sweeps: (project: string) => `#/p/${e(project)}/sweeps`,
  sweep: (project: string, sweep: string) => `#/p/${e(project)}/sweeps/${e(sweep)}`,
  artifacts: (project: string) => `#/p/${e(project)}/artifacts`,
  /** A version by alias or number (`v3`); `file` selects a file to preview. */
  artifact: (project: string, name: string, alias: string, file?: string | null) =>
    `#/p/${e(project)}/artifacts/${e(name)}/${e(alias)}${file ? `?file=${e(file)}` : ""}`,
  admin: (tab?: AdminTab) => (tab && tab !== "users" ? `#/admin/${tab}` : "#/admin"),
  myKeys: () => "#/keys",
  compare: (project: string, runs: string[]) =>
    `#/p/${e(project)}/compare?runs=${runs.map(e).join(",")}`,
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash));
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return route;
}
