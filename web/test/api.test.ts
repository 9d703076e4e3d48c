// The client's transport: the session cookie (never a key), the headers every write carries,
// a 401 that shows the sign-in page, media URLs only for the server's own files.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, setProjectEntity, setSignInHandler } from "../src/api";
import { accounts } from "../src/accounts";

type Call = { url: string; init: RequestInit & { headers: Record<string, string> } };

let calls: Call[] = [];
let answer: () => Response = () => new Response("{}", { status: 200 });

beforeEach(() => {
  calls = [];
  vi.stubGlobal("location", { href: "http://127.0.0.1:8080/#/p/x", origin: "http://127.0.0.1:8080" });
  vi.stubGlobal("fetch", async (url: string, init: Call["init"]) => {
    calls.push({ url, init });
    return answer();
  });
});

afterEach(() => {
  vi.unstubAllGlobals();
  setSignInHandler(null);
  answer = () => new Response("{}", { status: 200 });
});

describe("requests", () => {
  it("a read relies on the same-origin cookie and sends no key", async () => {
    answer = () => new Response("[]", { status: 200 });
    await api.projects();
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe("http://127.0.0.1:8080/api/v1/projects");
    expect(calls[0].init.credentials).toBe("same-origin");
    expect(Object.keys(calls[0].init.headers).map((h) => h.toLowerCase())).not.toContain("authorization");
  });

  it.each([
    ["PATCH a run", () => api.patchRun("p", "r", { name: "n" }), "PATCH"],
    ["POST a sweep's state", () => api.setSweepState("s", "pause"), "POST"],
    ["POST a user", () => accounts.createUser("bo", "member"), "POST"],
    ["PUT a grant", () => accounts.grant("p", "bo", "viewer"), "PUT"],
    ["DELETE a key", () => accounts.revokeKey(3), "DELETE"],
    ["sign in", () => accounts.signIn("hk-x"), "POST"],
    ["sign out", () => accounts.signOut(), "DELETE"],
  ])("%s sends JSON and X-Heron-Client", async (_what, call, method) => {
    await call();
    expect(calls[0].init.method).toBe(method);
    expect(calls[0].init.headers["Content-Type"]).toBe("application/json");
    expect(calls[0].init.headers["X-Heron-Client"]).toBe("dashboard");
    expect(calls[0].init.credentials).toBe("same-origin");
  });

  it("signing in sends the key once, in the body", async () => {
    await accounts.signIn("hk-secret");
    expect(calls[0].url).toBe("http://127.0.0.1:8080/api/v1/session");
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ key: "hk-secret" });
  });
});

describe("a project's entity", () => {
  afterEach(() => setProjectEntity(undefined));

  it("goes with every request for the page's project, empty included", async () => {
    setProjectEntity("alice");
    await api.runs("mnist");
    await api.series("mnist", "r1", { key: "loss" });
    await api.sweeps("mnist");
    await accounts.access("mnist");
    setProjectEntity("");
    await api.runIds("mnist", { filter: "lr > 0" });
    const query = calls.map((c) => new URL(c.url).searchParams.get("entity"));
    expect(query).toEqual(["alice", "alice", "alice", "alice", ""]);
    expect(new URL(calls[1].url).pathname).toBe("/api/v1/projects/mnist/runs/r1/series");
  });

  it("is left out where the page's link names none (the server picks)", async () => {
    await api.runs("mnist");
    await api.projects();
    expect(calls.map((c) => new URL(c.url).searchParams.has("entity"))).toEqual([false, false]);
  });
});

describe("a 401", () => {
  const unauthorized = () => new Response(JSON.stringify({ detail: "the session ended" }), { status: 401 });

  it("shows the sign-in page with the server's words", async () => {
    const seen: string[] = [];
    setSignInHandler((reason) => seen.push(reason));
    answer = unauthorized;
    await expect(api.projects()).rejects.toMatchObject({ status: 401, reason: "the session ended" });
    expect(seen).toEqual(["the session ended"]);
  });

  it("from the sign-in itself is the form's to show", async () => {
    const seen: string[] = [];
    setSignInHandler((reason) => seen.push(reason));
    answer = unauthorized;
    await expect(accounts.signIn("hk-wrong")).rejects.toMatchObject({ status: 401 });
    await expect(accounts.me()).rejects.toMatchObject({ status: 401 });
    expect(seen).toEqual([]);
  });

  it("a 403 is not a reason to sign in again", async () => {
    const seen: string[] = [];
    setSignInHandler((reason) => seen.push(reason));
    answer = () => new Response(JSON.stringify({ detail: "not yours" }), { status: 403 });
    await expect(api.patchRun("p", "r", { name: "x" })).rejects.toMatchObject({ status: 403 });
    expect(seen).toEqual([]);
  });
});

describe("mediaUrl", () => {
  it("builds the URL of one of the server's media files", () => {
    expect(api.mediaUrl("media/ab/0123.png")).toBe("http://127.0.0.1:8080/api/v1/media/ab/0123.png");
  });

  it.each(["///attacker.example/x.png", "https://example.invalid/x.png", "//x/y.png", "/api/v1/keys", "media/../keys"])(
    "refuses %s",
    (path) => {
      expect(api.mediaUrl(path)).toBeNull();
    },
  );
});
