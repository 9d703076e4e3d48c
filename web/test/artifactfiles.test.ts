// The artifact pages' pure parts: a file's preview kind, CSV and table JSON as rows, the routes.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { artifactApi } from "../src/api";
import { parseAliases, parseCsv, parseMetadata, previewKind, tableFromJson } from "../src/artifactfiles";
import { href, parseHash } from "../src/router";

describe("previewKind", () => {
  it.each([
    ["images/a.PNG", "image"],
    ["data.csv", "csv"],
    ["x.tsv", "csv"],
    ["sample.table.json", "json"],
    ["notes.txt", "text"],
    ["page.html", "text"],
    ["logo.svg", "text"],
    ["README", "text"],
    ["model.pt", "other"],
    ["noext", "other"],
  ])("%s is %s", (path, kind) => {
    expect(previewKind(path)).toBe(kind);
  });
});

describe("parseCsv", () => {
  it("reads quoted fields, doubled quotes, newlines inside quotes and CRLF", () => {
    const t = parseCsv('id,label\r\n1,"class, ""one"""\r\n2,"two\nlines"\r\n');
    expect(t.columns).toEqual(["id", "label"]);
    expect(t.rows).toEqual([["1", 'class, "one"'], ["2", "two\nlines"]]);
    expect(t.more).toBe(false);
  });

  it("keeps a last line without a newline, unless the text was cut", () => {
    expect(parseCsv("a,b\n1,2").rows).toEqual([["1", "2"]]);
    const cut = parseCsv("a,b\n1,2\n3,", { truncated: true });
    expect(cut.rows).toEqual([["1", "2"]]);
    expect(cut.more).toBe(true);
  });

  it("stops after maxRows and says there is more", () => {
    const text = "n\n" + Array.from({ length: 50 }, (_, i) => `${i}\n`).join("");
    const t = parseCsv(text, { maxRows: 10 });
    expect(t.rows.length).toBe(10);
    expect(t.rows[9]).toEqual(["9"]);
    expect(t.more).toBe(true);
  });

  it("skips a byte order mark and blank lines, and reads tabs", () => {
    expect(parseCsv("\ufeffa\tb\n\n1\t2\n", { delimiter: "\t" })).toEqual({ columns: ["a", "b"], rows: [["1", "2"]], more: false });
  });
});

describe("tableFromJson", () => {
  it("reads a logged table's columns and data as text", () => {
    expect(tableFromJson({ columns: ["x", "y"], data: [[1, null], [2, { a: 1 }]] })).toEqual({
      columns: ["x", "y"],
      rows: [["1", ""], ["2", '{"a":1}']],
      more: false,
    });
    expect(tableFromJson({ columns: ["x"] })).toBeNull();
    expect(tableFromJson([1, 2])).toBeNull();
  });
});

describe("artifact routes", () => {
  it("parse back to their pages", () => {
    expect(parseHash(href.artifacts("my proj"))).toEqual({ page: "artifacts", project: "my proj" });
    expect(parseHash(href.artifact("p", "mnist", "best"))).toEqual({ page: "artifact", project: "p", name: "mnist", alias: "best", file: null });
    expect(parseHash(href.artifact("p", "a/b", "v3", "dir/x+y?.csv"))).toEqual({
      page: "artifact",
      project: "p",
      name: "a/b",
      alias: "v3",
      file: "dir/x+y?.csv",
    });
    expect(parseHash("#/p/x/r/abc/artifacts")).toEqual({ page: "run", project: "x", run: "abc", tab: "artifacts" });
  });
});

describe("artifactApi", () => {
  let calls: { url: string; headers: Record<string, string> }[] = [];
  let answer: () => Response = () => new Response("[]");
  beforeEach(() => {
    calls = [];
    vi.stubGlobal("location", { href: "http://127.0.0.1:8080/#/p/x", origin: "http://127.0.0.1:8080" });
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      calls.push({ url, headers: init.headers as Record<string, string> });
      return answer();
    });
  });
  afterEach(() => vi.unstubAllGlobals());

  it("reads the routes of docs/server-api.md", async () => {
    await artifactApi.version("my proj", "mnist", "best");
    await artifactApi.versions("p", { name: "mnist" });
    await artifactApi.ofRun("p", "r1", true);
    await artifactApi.files(7);
    await artifactApi.users(7);
    expect(calls.map((c) => c.url.replace("http://127.0.0.1:8080/api/v1/", ""))).toEqual([
      "projects/my%20proj/artifacts/mnist/best",
      "projects/p/artifacts?name=mnist",
      "projects/p/runs/r1/artifacts?used=true",
      "artifacts/7/files",
      "artifacts/7/users",
    ]);
  });

  it("reads the first bytes of a stored file with a range, and says when there is more", async () => {
    answer = () => new Response("id,x\n1,2\n", { status: 206, headers: { "Content-Range": "bytes 0-9/5000" } });
    const head = await artifactApi.head("media/ab/abcdef", 10);
    expect(calls[0].url).toBe("http://127.0.0.1:8080/api/v1/media/ab/abcdef");
    expect(calls[0].headers.Range).toBe("bytes=0-9");
    expect(head).toEqual({ text: "id,x\n1,2\n", truncated: true, binary: false });

    answer = () => new Response("short", { status: 200, headers: { "Content-Length": "5" } });
    expect(await artifactApi.head("media/ab/abcdef", 10)).toEqual({ text: "short", truncated: false, binary: false });

    answer = () => new Response(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]), { status: 200 });
    expect((await artifactApi.head("media/ab/abcdef", 10))?.binary).toBe(true);
  });

  it("fetches nothing for a path outside the media store", async () => {
    expect(await artifactApi.head("https://evil.example/x.csv", 10)).toBeNull();
    expect(await artifactApi.head("media/../heron.db", 10)).toBeNull();
    expect(await artifactApi.blob("/etc/passwd")).toBeNull();
    expect(calls).toHaveLength(0);
  });
});

describe("the version edit dialog's fields", () => {
  it("takes metadata as a JSON object, and names what is wrong otherwise", () => {
    expect(parseMetadata(' {"rows": 3, "nested": {"a": [1, 2]}} ')).toEqual({ ok: true, value: { rows: 3, nested: { a: [1, 2] } } });
    expect(parseMetadata("   ")).toEqual({ ok: true, value: {} });
    const bad = parseMetadata('{"rows": 3,}');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/^Metadata is not valid JSON: /);
    expect(parseMetadata("[1, 2]")).toEqual({ ok: false, error: 'Metadata must be a JSON object ({"key": value}), not an array' });
    expect(parseMetadata("null")).toEqual({ ok: false, error: 'Metadata must be a JSON object ({"key": value}), not null' });
    expect(parseMetadata("7")).toEqual({ ok: false, error: 'Metadata must be a JSON object ({"key": value}), not a number' });
  });

  it("splits aliases on commas and spaces, each once, in the order typed", () => {
    expect(parseAliases(" best, prod  candidate,best,, ")).toEqual(["best", "prod", "candidate"]);
    expect(parseAliases("")).toEqual([]);
  });
});
