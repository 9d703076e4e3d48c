// The dashboard's pages by URL hash, the account pages included.
import { describe, expect, it } from "vitest";
import { href, parseHash } from "../src/router";

describe("parseHash", () => {
  it.each([
    ["#/", { page: "projects" }],
    ["#/admin", { page: "admin", tab: "users" }],
    ["#/admin/keys", { page: "admin", tab: "keys" }],
    ["#/admin/teams", { page: "admin", tab: "teams" }],
    ["#/admin/audit", { page: "admin", tab: "audit" }],
    ["#/keys", { page: "keys" }],
    ["#/p/x/r/abc/charts", { page: "run", project: "x", run: "abc", tab: "charts" }],
  ])("%s", (hash, route) => {
    expect(parseHash(hash)).toEqual(route);
  });

  it("an unknown admin tab is not a page", () => {
    expect(parseHash("#/admin/nope").page).toBe("notfound");
    expect(parseHash("#/keys/x").page).toBe("notfound");
  });

  it("links parse back to their page", () => {
    for (const tab of ["users", "keys", "teams", "audit"] as const) expect(parseHash(href.admin(tab))).toEqual({ page: "admin", tab });
    expect(parseHash(href.myKeys())).toEqual({ page: "keys" });
  });
});
