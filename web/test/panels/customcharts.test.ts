// Custom charts: the config's `_wandb.visualize` entries and what each chart draws from its table.
import { describe, expect, it } from "vitest";
import type { Json } from "../../src/api";
import { alignSeries, barChart, chartEntries, confusionGrid, histogramChart, kindOf, nearestIndex, xyChart } from "../../src/panels/customcharts";

function panel(spec: string, fields: Record<string, Json>, strings: Record<string, Json>, tableKey: string): Json {
  return {
    panel_type: "Vega2",
    panel_config: {
      panelDefId: spec, fieldSettings: fields, stringSettings: strings, transform: { name: "tableWithLeafColNames" },
      userQuery: { queryFields: [{ name: "runSets", args: [], fields: [{ name: "id", fields: [] }, { name: "summaryTable", args: [{ name: "tableKey", value: tableKey }], fields: [] }] }] },
    },
  };
}

describe("chartEntries", () => {
  it("reads each chart's spec, fields and the table key its query names", () => {
    const config = { lr: 0.1, _wandb: { visualize: {
      cm: panel("wandb/confusion_matrix/v1", { Actual: "Actual" }, { title: "CM" }, "cm_table"),
      split: panel("wandb/bar/v0", { label: "l", value: "v" }, {}, "Custom Chart Tables/split_table"),
    } } };
    expect(chartEntries(config)).toEqual([
      { key: "cm", spec: "wandb/confusion_matrix/v1", fields: { Actual: "Actual" }, strings: { title: "CM" }, tableKey: "cm_table" },
      { key: "split", spec: "wandb/bar/v0", fields: { label: "l", value: "v" }, strings: {}, tableKey: "Custom Chart Tables/split_table" },
    ]);
  });

  it("reads W&B's {value: ...} config form, and finds nothing where there are no charts", () => {
    const wrapped = { _wandb: { value: { visualize: { a: panel("wandb/line/v0", {}, {}, "a_table") } } } };
    expect(chartEntries(wrapped).map((e) => e.key)).toEqual(["a"]);
    expect(chartEntries({ lr: 1 })).toEqual([]);
    expect(chartEntries(null)).toEqual([]);
    expect(chartEntries({ _wandb: { visualize: { bad: 3 } } })).toEqual([]);
  });
});

describe("xyChart", () => {
  const table = { columns: ["x", "y", "run"], rows: [[1, 2, "a"], [0, 1, "a"], [0, 5, "b"], [1, null, "b"]] as Json[][] };

  it("groups rows into one series per stroke value, sorted by x, skipping non-numbers", () => {
    const chart = xyChart("line", { x: "x", y: "y", stroke: "run" }, { title: "T" }, table);
    expect(chart.series).toEqual([{ label: "a", xs: [0, 1], ys: [1, 2] }, { label: "b", xs: [0], ys: [5] }]);
    expect(chart.xLabel).toBe("x");
  });

  it("draws one series without a stroke, and text x values as categories", () => {
    expect(xyChart("line", { x: "x", y: "y", stroke: null }, {}, table).series.map((s) => s.label)).toEqual(["y"]);
    const text = xyChart("scatter", { x: "run", y: "y" }, {}, table);
    expect(text.xCategories).toEqual(["a", "b"]);
    expect(text.series[0].xs).toEqual([0, 0, 1]);
  });

  it("uses the curve's class column and axis titles", () => {
    const roc = { columns: ["class", "fpr", "tpr"], rows: [["cat", 0, 0], ["cat", 0, 0.5], ["cat", 1, 1]] as Json[][] };
    const chart = xyChart("curve", { x: "fpr", y: "tpr", class: "class" }, { "x-axis-title": "False positive rate" }, roc);
    expect(chart.series).toEqual([{ label: "cat", xs: [0, 0, 1], ys: [0, 0.5, 1] }]);
    expect(chart.xLabel).toBe("False positive rate");
  });

  it("names a field whose column the table lacks", () => {
    expect(() => xyChart("line", { x: "x", y: "acc" }, {}, table)).toThrow(/field "y" names column "acc"/);
  });
});

describe("alignSeries", () => {
  it("gives every point its own x slot, so equal x values stay separate", () => {
    const data = alignSeries([{ label: "a", xs: [0, 0, 1], ys: [0, 0.5, 1] }, { label: "b", xs: [0.5], ys: [0.2] }]);
    expect(data).toEqual([[0, 0, 0.5, 1], [0, 0.5, null, 1], [null, null, 0.2, null]]);
  });

  it("finds the nearest x", () => {
    expect(nearestIndex([0, 1, 4], 2.4)).toBe(1);
    expect(nearestIndex([0, 1, 4], 2.6)).toBe(2);
    expect(nearestIndex([], 1)).toBe(-1);
  });
});

describe("bars, histograms and confusion matrices", () => {
  it("draws a bar per row", () => {
    const bars = barChart({ label: "c", value: "n" }, { columns: ["c", "n"], rows: [["cat", 3], ["dog", 1]] });
    expect(bars).toEqual({ labels: ["cat", "dog"], values: [3, 1], edges: null, valueLabel: "n" });
  });

  it("bins a column's numbers into equal-width bins that count every value", () => {
    const rows = Array.from({ length: 100 }, (_, i) => [i / 10] as Json[]);
    const h = histogramChart({ value: "v" }, { columns: ["v"], rows }, String);
    expect(h.values.length).toBe(10);
    expect(h.values.reduce((a, b) => a + b, 0)).toBe(100);
    expect(h.edges![0]).toBe(0);
    expect(h.edges!.at(-1)).toBeCloseTo(9.9);
    const one = histogramChart({ value: "v" }, { columns: ["v"], rows: [[2], [2]] }, String);
    expect(one.values).toEqual([2]);
  });

  it("lays a confusion matrix out as a grid of counts", () => {
    const rows: Json[][] = [["a", "a", 2], ["a", "b", 1], ["b", "a", 0], ["b", "b", 3]];
    const grid = confusionGrid({ Actual: "A", Predicted: "P", nPredictions: "n" }, { columns: ["A", "P", "n"], rows });
    expect(grid).toEqual({ actual: ["a", "b"], predicted: ["a", "b"], counts: [[2, 1], [0, 3]], max: 3 });
  });

  it("knows W&B's specs and no others", () => {
    expect(kindOf("wandb/area-under-curve/v0")).toBe("curve");
    expect(kindOf("wandb/confusion_matrix/v1")).toBe("confusion");
    expect(kindOf("me/custom/v1")).toBeNull();
  });
});
