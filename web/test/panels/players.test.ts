// Video, audio, HTML and plotly values: which file a logged value names, the waveform's peaks,
// and a plotly layout fitted to a panel.
import { describe, expect, it } from "vitest";
import { mediaKindOf, summaryMedia } from "../../src/panels/keys";
import { fittedLayout, isGif, peaks, playerFileOf, playerFilesOf } from "../../src/panels/players";

describe("playerFileOf", () => {
  it("reads W&B's references of each kind, and only of the asked kind", () => {
    const video = { _type: "video-file", path: "media/ab/ab.gif", sha256: "ab", size: 9, width: 40, height: 8, caption: "c" };
    expect(playerFileOf(video, "video")).toEqual({ kind: "video", path: "media/ab/ab.gif", caption: "c", width: 40, height: 8 });
    expect(playerFileOf(video, "audio")).toBeNull();
    expect(playerFileOf({ _type: "html-file", path: "media/cd/cd.html" }, "html")?.path).toBe("media/cd/cd.html");
    expect(playerFileOf({ _type: "plotly-file", path: 3 }, "plotly")).toBeNull();
    expect(playerFileOf(null, "audio")).toBeNull();
    expect(playerFileOf([1], "audio")).toBeNull();
  });

  it("tells GIFs from other videos", () => {
    expect(isGif("media/ab/ab.GIF")).toBe(true);
    expect(isGif("media/ab/ab.mp4")).toBe(false);
  });
});

describe("media kinds", () => {
  it("recognise the four kinds by _type, in values and in summaries", () => {
    expect(mediaKindOf({ _type: "video-file" })).toBe("video");
    expect(mediaKindOf({ _type: "audio-file" })).toBe("audio");
    expect(mediaKindOf({ _type: "html-file" })).toBe("html");
    expect(mediaKindOf({ _type: "plotly-file" })).toBe("plotly");
    const run = { history_rows: 3, summary: { clip: { _type: "video-file", path: "media/x" }, loss: 1 } };
    expect([...summaryMedia(run as never)]).toEqual([["clip", "video"]]);
  });
});

describe("peaks", () => {
  it("keeps each column's lowest and highest sample over all channels", () => {
    const left = new Float32Array([0, 0.5, -0.25, 1, 0, -1]);
    const right = new Float32Array([0, -0.75, 0, 0, 0.25, 0]);
    const { min, max } = peaks([left, right], 3);
    expect([...min]).toEqual([-0.75, -0.25, -1]);
    expect([...max]).toEqual([0.5, 1, 0.25]);
  });

  it("fills every column of a clip shorter than the canvas", () => {
    const { min, max } = peaks([new Float32Array([0.5, -0.5])], 4);
    expect([...max]).toEqual([0.5, 0.5, -0.5, -0.5]);
    expect([...min]).toEqual([0.5, 0.5, -0.5, -0.5]);
  });

  it("draws nothing for no samples", () => {
    expect([...peaks([], 2).max]).toEqual([0, 0]);
  });
});

describe("fittedLayout", () => {
  it("drops the figure's fixed width, takes the panel's height and narrow margins", () => {
    const out = fittedLayout({ width: 640, height: 480, autosize: false, title: { text: "t" } }, 200);
    expect(out).toEqual({ height: 200, autosize: true, title: { text: "t" }, margin: { l: 44, r: 16, t: 40, b: 36 } });
  });

  it("keeps margins the figure sets", () => {
    expect(fittedLayout({ margin: { l: 80 } }, 100).margin).toEqual({ l: 80 });
    expect(fittedLayout(undefined, 100).margin).toEqual({ l: 44, r: 16, t: 16, b: 36 });
  });
});

describe("playerFilesOf", () => {
  it("lists each file of W&B's list values, and the one file of a file value", () => {
    const clip = (p: string) => ({ _type: "video-file", path: p });
    expect(playerFilesOf({ _type: "videos", count: 2, videos: [clip("media/a"), clip("media/b")] }, "video").map((f) => f.path))
      .toEqual(["media/a", "media/b"]);
    expect(playerFilesOf({ _type: "audio", count: 1, audio: [{ _type: "audio-file", path: "media/c", caption: "x" }] }, "audio"))
      .toEqual([{ kind: "audio", path: "media/c", caption: "x", width: undefined, height: undefined }]);
    expect(playerFilesOf({ _type: "html", count: 1, html: [{ _type: "html-file", path: "media/d" }] }, "video")).toEqual([]);
    expect(playerFilesOf(clip("media/e"), "video")).toHaveLength(1);
    expect(playerFilesOf({ _type: "videos", videos: "nope" }, "video")).toEqual([]);
  });
});
