// Which stored media paths become URLs: the server's own media files only, never another origin.
import { describe, expect, it } from "vitest";
import { safeMediaPath, sameOrigin } from "../src/mediapath";

describe("safeMediaPath", () => {
  it.each([
    "media/ab/0123456789abcdef.png",
    "media/images/examples_0_0123456789abcdef0123.png",
    "media/table/preds_4_abc.table.json",
    "media/ab/cd/ef-01_x.jpeg",
  ])("accepts the server's media file %s", (path) => {
    expect(safeMediaPath(path)).toBe(path);
  });

  it.each([
    ["another origin, protocol-relative", "///attacker.example/x.png"],
    ["another origin, two slashes", "//attacker.example/x.png"],
    ["an absolute URL", "https://example.invalid/x.png"],
    ["a scheme", "javascript:alert(1)"],
    ["a data URL", "data:image/png;base64,AAAA"],
    ["a leading slash", "/media/ab/x.png"],
    ["a parent segment", "media/../api/v1/keys"],
    ["dots that climb", "media/ab/../../x.png"],
    ["an empty segment", "media//attacker.example/x.png"],
    ["a folder", "media/ab/"],
    ["only the prefix", "media/"],
    ["outside media/", "files/x.png"],
    ["a backslash", "media\\..\\x.png"],
    ["a query", "media/ab/x.png?redirect=https://x"],
    ["a fragment", "media/ab/x.png#x"],
    ["an encoded character", "media/ab/%2e%2e/x.png"],
    ["a space", "media/ab/x y.png"],
    ["a newline", "media/ab/x.png\n"],
    ["unicode", "media/ab/ｘ.png"],
    ["empty", ""],
  ])("refuses %s", (_what, path) => {
    expect(safeMediaPath(path)).toBeNull();
  });

  it.each([null, undefined, 3, {}, ["media/ab/x.png"]])("refuses a value that is not a string: %j", (v) => {
    expect(safeMediaPath(v)).toBeNull();
  });
});

describe("sameOrigin", () => {
  const origin = "http://127.0.0.1:8080";

  it("keeps a URL on the page's origin", () => {
    expect(sameOrigin("http://127.0.0.1:8080/api/v1/media/ab/x.png", origin)).toBe("http://127.0.0.1:8080/api/v1/media/ab/x.png");
    expect(sameOrigin("api/v1/media/ab/x.png", origin)).toBe("api/v1/media/ab/x.png");
  });

  it.each(["https://127.0.0.1:8080/x", "http://127.0.0.1:8081/x", "//attacker.example/x.png", "http://attacker.example/x.png"])(
    "refuses %s",
    (u) => {
      expect(sameOrigin(u, origin)).toBeNull();
    },
  );
});
