// The dashboard's pages by URL hash, the account pages included.
import { afterEach, describe, expect, it } from "vitest";
import { setProjectEntity } from "../src/api";
import { href, linkTo, parseHash } from "../src/router";

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

describe("a project's entity", () => {
  afterEach(() => setProjectEntity(undefined));

  it("comes from the link, empty included, and is absent from old links", () => {
    expect(parseHash("#/p/mnist?entity=alice")).toEqual({ page: "workspace", project: "mnist", entity: "alice" });
    expect(parseHash("#/p/mnist?entity=")).toEqual({ page: "workspace", project: "mnist", entity: "" });
    expect(parseHash("#/p/mnist")).toEqual({ page: "workspace", project: "mnist" });
    expect(parseHash("#/p/mnist/compare?runs=a,b&entity=bob")).toEqual({ page: "compare", project: "mnist", entity: "bob", runs: ["a", "b"] });
    expect(parseHash("#/p/mnist/artifacts/w/v1?file=a.csv&entity=bob")).toEqual({
      page: "artifact", project: "mnist", entity: "bob", name: "w", alias: "v1", file: "a.csv",
    });
  });

  it("every link to a project names it, and parses back", () => {
    const alice = { name: "mnist", entity: "alice" };
    expect(href.workspace(alice)).toBe("#/p/mnist?entity=alice");
    expect(parseHash(href.run(alice, "abc", "logs"))).toEqual({ page: "run", project: "mnist", entity: "alice", run: "abc", tab: "logs" });
    expect(parseHash(href.sweep(alice, "s1"))).toEqual({ page: "sweep", project: "mnist", entity: "alice", sweep: "s1" });
    expect(parseHash(href.compare(alice, ["a", "b"]))).toMatchObject({ page: "compare", entity: "alice", runs: ["a", "b"] });
    expect(parseHash(href.artifact({ name: "mnist", entity: "" }, "w", "v1", "x.csv"))).toEqual({
      page: "artifact", project: "mnist", entity: "", name: "w", alias: "v1", file: "x.csv",
    });
  });

  it("a link by name alone stays in the page's entity; old pages keep old links", () => {
    expect(href.run("mnist", "abc")).toBe("#/p/mnist/r/abc");
    setProjectEntity("bob");
    expect(href.run("mnist", "abc")).toBe("#/p/mnist/r/abc?entity=bob");
    expect(href.run(linkTo({ project: "other", entity: "" }), "abc")).toBe("#/p/other/r/abc?entity=");
    setProjectEntity(undefined);
    expect(href.run(linkTo({ project: "other", entity: "" }), "abc")).toBe("#/p/other/r/abc");
    expect(href.run(linkTo({ project: "other", entity: "carol" }), "abc")).toBe("#/p/other/r/abc?entity=carol");
  });
});
