// A panel for an image key: each run's images at the chosen step (a grid for lists), with
// captions, a step slider, boxes and masks toggled, and a click to enlarge.
import { useMemo, useState } from "preact/hooks";
import type { LiveFeed } from "../api";
import { Modal } from "../components/Modal";
import type { ChartRun } from "./chartdata";
import { classesOf, MediaImage, type Overlays } from "./MediaImage";
import { atOrBefore, classColor, picturesOf, unionSteps, useMediaRows, type Picture } from "./media";

/** Runs one image panel shows (the first in table order). */
export const MEDIA_RUNS = 6;

export function StepSlider(props: { steps: number[]; index: number; onIndex: (i: number) => void; label?: string }) {
  const { steps, index } = props;
  if (steps.length <= 1) return <div class="media-step muted">{steps.length ? `Step ${steps[0]}` : ""}</div>;
  return (
    <div class="media-step">
      <button class="icon-btn" aria-label="Previous step" disabled={index <= 0} onClick={() => props.onIndex(index - 1)}>◀</button>
      <input
        type="range"
        min={0}
        max={steps.length - 1}
        step={1}
        value={index}
        aria-label={props.label ?? "Step"}
        onInput={(e) => props.onIndex(Number((e.target as HTMLInputElement).value))}
      />
      <button class="icon-btn" aria-label="Next step" disabled={index >= steps.length - 1} onClick={() => props.onIndex(index + 1)}>▶</button>
      <span class="num step-label" data-step={steps[index]}>Step {steps[index]}</span>
    </div>
  );
}

/** The slider's position: an index into `steps`, following the newest step until moved. */
/** A run's swatch and name above its media, with the step it shows when the slider's step
 * is not one the run logged. */
export function MediaRunHead(props: { id: string; run?: ChartRun; step: number | null; shown: number | null }) {
  const { id, run, step, shown } = props;
  return (
    <div class="media-run-head" title={run?.run.name}>
      <span class="swatch" style={{ background: run?.color }} />
      <span class="legend-name">{run?.run.name ?? id}</span>
      {step !== null && step !== shown && <span class="muted"> (step {step})</span>}
    </div>
  );
}

export function useStepIndex(steps: number[]) {
  const [chosen, setChosen] = useState<number | null>(null); // a step, or null: the latest
  const index = chosen === null ? steps.length - 1 : Math.max(0, atOrBefore(steps, chosen));
  const onIndex = (i: number) => setChosen(i >= steps.length - 1 ? null : steps[i]);
  return { index, onIndex };
}

function OverlayToggles({ pics, overlays, onChange }: { pics: Picture[]; overlays: Overlays; onChange: (o: Overlays) => void }) {
  const names = new Set<string>();
  for (const p of pics) {
    for (const g of Object.keys(p.boxes ?? {})) names.add(`box:${g}`);
    for (const m of Object.keys(p.masks ?? {})) names.add(`mask:${m}`);
  }
  if (!names.size) return null;
  const toggle = (n: string) => {
    const off = new Set(overlays.off);
    off.has(n) ? off.delete(n) : off.add(n);
    onChange({ off });
  };
  return (
    <span class="overlay-toggles">
      {[...names].sort().map((n) => (
        <label class="pick-inline" key={n} title={n.startsWith("box:") ? "Bounding boxes" : "Segmentation mask"}>
          <input type="checkbox" checked={!overlays.off.has(n)} onChange={() => toggle(n)} data-overlay={n} />
          <span>{n.startsWith("box:") ? `▭ ${n.slice(4)}` : `◩ ${n.slice(5)}`}</span>
        </label>
      ))}
    </span>
  );
}

function ClassLegend({ pics }: { pics: Picture[] }) {
  const groups = classesOf(pics);
  if (!groups.length) return null;
  return (
    <div class="class-legend">
      {groups.map((g) => (
        <span class="class-group" key={g.group}>
          <span class="muted">{g.group}:</span>
          {g.classes.map(([id, name]) => (
            <span class="legend-item" key={id}>
              <span class="swatch" style={{ background: classColor(id) }} />
              <span class="legend-name">{name}</span>
            </span>
          ))}
        </span>
      ))}
    </div>
  );
}

export function MediaPanel(props: { project: string; metric: string; runs: ChartRun[]; feed: LiveFeed | null }) {
  const { project, metric } = props;
  const shownRuns = props.runs.slice(0, MEDIA_RUNS);
  const { rows, error } = useMediaRows(project, metric, shownRuns.map((r) => r.run.id), props.feed, 500);
  const steps = useMemo(() => (rows ? unionSteps(rows) : []), [rows]);
  const { index, onIndex } = useStepIndex(steps);
  const [overlays, setOverlays] = useState<Overlays>({ off: new Set() });
  const [big, setBig] = useState<{ pic: Picture; run: string } | null>(null);
  const step = steps[index];

  const perRun = (rows ?? []).map((r) => {
    const i = step === undefined ? -1 : atOrBefore(r.steps, step);
    return { id: r.id, step: i >= 0 ? r.steps[i] : null, pics: i >= 0 ? picturesOf(r.values[i]) : [] };
  });
  const allPics = perRun.flatMap((r) => r.pics);
  const many = shownRuns.length > 1;
  const maxH = many ? 96 : allPics.length > 4 ? 110 : 200;
  const minH = many ? 72 : allPics.length > 4 ? 96 : 160;
  const names = new Map(shownRuns.map((r) => [r.run.id, r]));

  return (
    <div class="media-panel" data-metric={metric} data-kind="image" data-step={step ?? ""}>
      <div class="chart-head">
        <span class="chart-title" title={metric}>{metric}</span>
        <span class="chart-sub">{allPics.length} image{allPics.length === 1 ? "" : "s"}</span>
      </div>
      <div class="media-toolbar">
        <OverlayToggles pics={allPics} overlays={overlays} onChange={setOverlays} />
      </div>
      <div class="media-body">
        {error && <div class="chart-msg chart-err">{error}</div>}
        {!rows && !error && <div class="chart-msg">Loading…</div>}
        {rows && !steps.length && <div class="chart-msg">No images for the visible runs</div>}
        {perRun.map((r) => {
          const cr = names.get(r.id);
          return (
            <div class="media-run" key={r.id} data-run-id={r.id}>
              {many && <MediaRunHead id={r.id} run={cr} step={r.step} shown={step} />}
              <div class={`media-grid${r.pics.length > 1 ? " multi" : ""}`}>
                {r.pics.length ? (
                  r.pics.map((p, i) => (
                    <MediaImage key={`${p.path}:${i}`} picture={p} overlays={overlays} maxHeight={maxH} minHeight={minH} onClick={() => setBig({ pic: p, run: cr?.run.name ?? r.id })} />
                  ))
                ) : (
                  <span class="muted media-none">no image yet</span>
                )}
              </div>
            </div>
          );
        })}
        {props.runs.length > MEDIA_RUNS && <div class="muted media-more">+ {props.runs.length - MEDIA_RUNS} more runs: open a run page to see theirs</div>}
      </div>
      <StepSlider steps={steps} index={index} onIndex={onIndex} />
      {big && (
        <Modal label={`${metric} enlarged`} onClose={() => setBig(null)} class="modal-media">
          <div class="chart-head">
            <span class="chart-title">{metric}</span>
            <span class="chart-sub">{big.run} · step {step}</span>
            <span class="chart-tools">
              <OverlayToggles pics={[big.pic]} overlays={overlays} onChange={setOverlays} />
              <button class="icon-btn" title="Close (Esc)" onClick={() => setBig(null)} data-action="close">✕</button>
            </span>
          </div>
          <div class="media-big">
            <MediaImage picture={big.pic} overlays={overlays} maxHeight={Math.round(window.innerHeight * 0.7)} fill />
          </div>
          <ClassLegend pics={[big.pic]} />
        </Modal>
      )}
    </div>
  );
}
