// A live chart must hold what a reload would: the server's buckets of every point so far.
import { describe, expect, it } from "vitest";
import { num, type HistoryRow, type RunBuckets } from "../../src/api";
import { appendPoints, bucketWidth, emptySeries, fromBuckets, rowsToPoints, type RunSeries, type SeriesRequest } from "../../src/panels/series";
import fixture from "../fixtures/buckets.json";

type Num = number | string;
interface Expected {
  x: Num[]; min: Num[]; max: Num[]; last: Num[]; count: number[]; total: number; lo: Num; hi: Num; width: number;
}
interface Case {
  name: string;
  points: number;
  x_min: number | null;
  x_max: number | null;
  x: Num[];
  y: Num[];
  whole: Expected;
  prefixes: Record<string, Expected>;
}

// What store/buckets.py returns for each case (tests/store/test_buckets.py checks this file).
const CASES = fixture as unknown as Case[];

const nums = (a: Num[]) => a.map(num);

/** A `/series` answer as the client decodes it: min and max are the very array of last when the
 * buckets are raw points (decodeSeries shares it). */
function answer(e: Expected, cursor: number): RunBuckets {
  const last = nums(e.last);
  const raw = e.count.every((c) => c === 1);
  return {
    id: "run", total: e.total, cursor, lo: e.lo, hi: e.hi, width: e.width,
    buckets: { x: nums(e.x), last, min: raw ? last : nums(e.min), max: raw ? last : nums(e.max), count: e.count },
  };
}

function columns(s: RunSeries) {
  return { x: s.x, last: s.last, min: s.min, max: s.max, count: s.count, total: s.total, width: s.width, lo: s.lo, hi: s.hi };
}

function expected(e: Expected) {
  return { x: nums(e.x), last: nums(e.last), min: nums(e.min), max: nums(e.max), count: e.count, total: e.total,
           width: e.width, lo: num(e.lo), hi: num(e.hi) };
}

function query(c: Case): SeriesRequest {
  return { xKey: "_step", points: c.points, range: c.x_min === null || c.x_max === null ? null : [c.x_min, c.x_max] };
}

describe("appendPoints continues the server's buckets", () => {
  for (const c of CASES) {
    const xs = nums(c.x);
    const ys = nums(c.y);
    for (const [n, prefix] of Object.entries(c.prefixes)) {
      for (const chunk of [1, 7, 1000]) {
        it(`${c.name}: loaded at ${n} points, then live in batches of ${chunk}`, () => {
          let s = fromBuckets(answer(prefix, +n), query(c));
          for (let i = +n; i < xs.length; i += chunk) {
            s = appendPoints(s, xs.slice(i, i + chunk), ys.slice(i, i + chunk), Math.min(i + chunk, xs.length));
          }
          expect(s.stale).toBe(false);
          expect(s.cursor).toBe(xs.length);
          expect(columns(s)).toEqual(expected(c.whole));
        });
      }
    }
    it(`${c.name}: from nothing, every point live`, () => {
      let s = emptySeries("run", query(c));
      for (let i = 0; i < xs.length; i++) s = appendPoints(s, [xs[i]], [ys[i]], i + 1);
      expect(columns(s)).toEqual(expected(c.whole));
    });
  }
});

describe("a chart opened while a run logs y = step", () => {
  it("reaches y = 79 at step 79, each live point once", () => {
    // The chart's first load saw 13 points (raw: min and max are last's own array).
    const xs = Array.from({ length: 13 }, (_, i) => i);
    let s = fromBuckets({ id: "r", total: 13, cursor: 13, width: 0, buckets: { x: xs, last: xs, min: xs, max: xs, count: xs.map(() => 1) } },
                        { xKey: "_step", points: 512, range: null });
    for (let step = 13; step < 80; step++) {
      const rows: HistoryRow[] = [{ _step: step, y: step, _runtime: step * 0.05 }];
      const p = rowsToPoints(rows, "y", "_step", s.cursor);
      s = appendPoints(s, p.xs, p.ys, p.cursor);
    }
    expect(s.x.length).toBe(80);
    expect(s.last.length).toBe(80);
    expect(s.last.at(-1)).toBe(79);
    expect(s.last).toEqual(s.x);
    expect(s.min).toEqual(s.x);
    expect(s.max).toEqual(s.x);
  });
});

describe("appendPoints", () => {
  const q: SeriesRequest = { xKey: "_step", points: 4, range: null };

  it("leaves the series it was given as it was", () => {
    const s = appendPoints(emptySeries("r", q), [0, 1], [5, 6], 2);
    const before = JSON.stringify(s);
    appendPoints(s, [2, 3, 4, 5], [1, 2, 3, 4], 6);
    expect(JSON.stringify(s)).toBe(before);
  });

  it("keeps points logged later after earlier ones of the same x (the server sorts stably)", () => {
    const s = appendPoints(emptySeries("r", { ...q, xKey: "acc" }), [2, 1, 2, 1], [10, 20, 30, 40], 4);
    expect(s.x).toEqual([1, 1, 2, 2]);
    expect(s.last).toEqual([20, 40, 10, 30]);
  });

  it("stores values as the server sends them (float32)", () => {
    const s = appendPoints(emptySeries("r", q), [0, 1], [0.1, 1e39], 2);
    expect(s.last).toEqual([Math.fround(0.1), 1e39]);
  });

  it("leaves out points outside the zoom, but moves the cursor", () => {
    const s = appendPoints(emptySeries("r", { ...q, range: [10, 20] }), [5, 10, 20, 25], [1, 2, 3, 4], 26);
    expect(s.x).toEqual([10, 20]);
    expect(s.total).toBe(2);
    expect(s.cursor).toBe(26);
  });

  it("cannot continue buckets it does not know the width of", () => {
    const rb: RunBuckets = { id: "r", total: 10, cursor: 10, buckets: { x: [4, 9], last: [1, 2], min: [0, 1], max: [3, 4], count: [5, 5] } };
    const s = appendPoints(fromBuckets(rb, q), [10], [1], 11);
    expect(s.stale).toBe(true);
  });
});

describe("bucketWidth", () => {
  it("is the smallest power of two that fits the range in the points", () => {
    expect(bucketWidth(0, 999, 1000)).toBe(1);
    expect(bucketWidth(0, 1000, 1000)).toBe(2);
    expect(bucketWidth(0, 999_999, 1000)).toBe(1024);
    expect(bucketWidth(1.7e9, 1.7e9 + 60, 512)).toBe(0.125);
    expect(bucketWidth(3, 3, 10)).toBe(1);
  });
});

describe("rowsToPoints", () => {
  it("takes the metric against the x of the same row, from the cursor on", () => {
    const rows: HistoryRow[] = [
      { _step: 3, loss: 1, acc: 0.1 },
      { _step: 4, loss: 2, acc: 0.2 },
      { _step: 5, acc: 0.3 }, // no loss: no point, but the cursor moves
      { _step: 6, loss: "NaN", acc: 0.4 },
      { _step: 7, loss: 3 }, // no acc: the server pairs x and y of one step, so no point
    ];
    expect(rowsToPoints(rows, "loss", "acc", 4)).toEqual({ xs: [0.2, 0.4], ys: [2, NaN], cursor: 8 });
    expect(rowsToPoints(rows, "loss", "_step", 0)).toEqual({ xs: [3, 4, 6, 7], ys: [1, 2, NaN, 3], cursor: 8 });
  });
});
