// What a chart draws from its runs' series: the same series always draw the same plot, so a
// live chart whose series equal a reload's draws what the reload draws.
import { describe, expect, it } from "vitest";
import type { Run } from "../../src/api";
import { plotData, pointsFor, resolveX, type ChartRun, type Group } from "../../src/panels/chartdata";
import { xAxisChoices } from "../../src/panels/chartruns";
import { appendPoints, emptySeries, fromBuckets, type RunSeries } from "../../src/panels/series";

function run(id: string, extra: Partial<Run> = {}): Run {
  return {
    id, name: `run-${id}`, project: "p", entity: "e", state: "running", created_at: 0, updated_at: 0,
    heartbeat_at: null, ended_at: null, runtime: null, tags: [], notes: null, group: null, job_type: null,
    sweep_id: null, user: null, host: null, config: {}, summary: {}, metrics: {}, last_step: 0, history_rows: 0,
    ...extra,
  };
}

function series(id: string, xs: number[], ys: number[], points = 512): RunSeries {
  return appendPoints(emptySeries(id, { xKey: "_step", points, range: null }), xs, ys, xs.length);
}

const steps = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);

describe("plotData", () => {
  const runs: ChartRun[] = [{ run: run("a"), color: "#2f6fde" }, { run: run("b"), color: "#e8590c" }];

  it("draws a line per run on the union of their x", () => {
    const p = plotData(runs, new Map([["a", series("a", [0, 2], [1, 3])], ["b", series("b", [1, 2], [5, 6])]]), null, 0, false);
    expect(p.data).toEqual([[0, 1, 2], [1, null, 3], [null, 5, 6]]);
    expect(p.lines.map((l) => [l.role, l.key])).toEqual([["line", "a"], ["line", "b"]]);
    expect(p.index).toEqual(new Map([["a", 1], ["b", 2]]));
  });

  it("smooths with a faint raw line behind, and leaves out what a log scale cannot draw", () => {
    const p = plotData(runs.slice(0, 1), new Map([["a", series("a", [0, 1, 2], [0, 4, 4])]]), null, 0.5, true);
    expect(p.lines.map((l) => l.role)).toEqual(["raw", "line"]);
    expect(p.data[1]).toEqual([null, 4, 4]); // raw: 0 has no log
    expect(p.data[2]).toEqual([null, 8 / 3, 24 / 7]); // debiased EMA of 0, 4, 4
  });

  it("draws a band when buckets hold several points", () => {
    const rb = { id: "a", total: 6, cursor: 6, lo: 0, hi: 5, width: 4,
                 buckets: { x: [3, 5], last: [2, 4], min: [0, 3], max: [9, 4], count: [4, 2] } };
    const p = plotData(runs.slice(0, 1), new Map([["a", fromBuckets(rb, { xKey: "_step", points: 2, range: null })]]), null, 0, false);
    expect(p.lines.map((l) => l.role)).toEqual(["line", "edge", "edge"]);
    expect(p.bands).toEqual([{ hi: 2, lo: 3, color: "#2f6fde" }]);
    expect(p.data.slice(1)).toEqual([[2, 4], [9, 4], [0, 3]]);
  });

  it("groups runs into a mean line and a min-max band", () => {
    const groups: Group[] = [{ key: "adam", label: "opt=adam", color: "#7048e8", runIds: ["a", "b"] }];
    const p = plotData(runs, new Map([["a", series("a", [0, 2], [0, 2])], ["b", series("b", [0, 2], [4, 6])]]), groups, 0, false);
    expect(p.data[0]).toEqual([0, 2]);
    expect(p.data[1]).toEqual([2, 4]);
    expect(p.bands).toEqual([{ hi: 2, lo: 3, color: "#7048e8" }]);
    expect(p.data.slice(2)).toEqual([[4, 6], [0, 2]]);
  });

  it("is the same for a chart fed live as for one loaded at the end", () => {
    const ys = steps(300).map((i) => Math.sin(i / 9) * 4 + (i === 150 ? 40 : 0));
    let live = series("a", steps(13), ys.slice(0, 13), 128);
    for (let i = 13; i < 300; i += 5) live = appendPoints(live, steps(5, i).filter((x) => x < 300), ys.slice(i, i + 5), Math.min(i + 5, 300));
    const reload = series("a", steps(300), ys, 128);
    expect(live.width).toBeGreaterThan(0);
    for (const [smoothing, logY] of [[0, false], [0.6, false], [0, true]] as const) {
      expect(plotData(runs.slice(0, 1), new Map([["a", live]]), null, smoothing, logY))
        .toEqual(plotData(runs.slice(0, 1), new Map([["a", reload]]), null, smoothing, logY));
    }
  });

  it("changes shape (the chart is built again) when a run's colour or order changes", () => {
    const data = new Map([["a", series("a", [0], [1])], ["b", series("b", [0], [1])]]);
    const base = plotData(runs, data, null, 0, false).shape;
    expect(plotData([runs[1], runs[0]], data, null, 0, false).shape).not.toBe(base);
    expect(plotData([{ ...runs[0], color: "#000000" }, runs[1]], data, null, 0, false).shape).not.toBe(base);
    expect(plotData(runs, new Map([["a", series("a", [0, 1], [1, 2])], ["b", series("b", [0], [1])]]), null, 0, false).shape).toBe(base);
  });
});

describe("resolveX", () => {
  it("draws a metric against its step_metric when the x axis is the step", () => {
    const metrics = { "val/*": { step_metric: "epoch" } };
    expect(resolveX("_step", "val/loss", metrics, "history")).toBe("epoch");
    expect(resolveX("_step", "train/loss", metrics, "history")).toBe("_step");
    expect(resolveX("_runtime", "val/loss", metrics, "history")).toBe("_runtime");
    expect(resolveX("_step", "system/cpu", metrics, "system")).toBe("_runtime");
  });
});

describe("xAxisChoices", () => {
  it("offers the numbers the runs logged, the most common first", () => {
    const runs = [
      run("a", { summary: { loss: 0.5, acc: 0.9, _runtime: 3, name: "x", img: { _type: "image-file", path: "p" } } }),
      run("b", { summary: { acc: { min: 0.1, max: 0.9 }, train: { lr: 0.01 }, nan: "NaN" } }),
    ];
    expect(xAxisChoices(runs)).toEqual(["acc", "loss", "nan", "train.lr"]);
  });
});

describe("pointsFor", () => {
  it("asks for the same buckets whatever a scrollbar takes off the width", () => {
    expect(pointsFor(336, false)).toBe(512);
    expect(pointsFor(321, false)).toBe(512);
    expect(pointsFor(0, false)).toBe(512);
    expect(pointsFor(5000, true)).toBe(4096);
    expect(pointsFor(20, false)).toBe(128);
  });
});
