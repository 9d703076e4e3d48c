// A panel for a video, audio, HTML or plotly key: each run's file at the chosen step (the
// newest until the step slider moves), played or drawn by the view for its kind.
import { useMemo } from "preact/hooks";
import type { LiveFeed } from "../api";
import type { ChartRun } from "./chartdata";
import type { PlayerKind } from "./keys";
import { atOrBefore, unionSteps, useMediaRows } from "./media";
import { MEDIA_RUNS, MediaRunHead, StepSlider, useStepIndex } from "./MediaPanel";
import { AudioView, HtmlView, VideoView } from "./PlayerViews";
import { PlotlyView } from "./PlotlyView";
import { playerFilesOf, type PlayerFile } from "./players";
import "./PlayerPanel.css";

const NOUNS: Record<PlayerKind, [string, string]> = {
  video: ["video", "videos"],
  audio: ["clip", "clips"],
  html: ["page", "pages"],
  plotly: ["chart", "charts"],
};

function View({ file, height }: { file: PlayerFile; height: number }) {
  switch (file.kind) {
    case "video":
      return <VideoView file={file} height={height} />;
    case "audio":
      return <AudioView file={file} />;
    case "html":
      return <HtmlView file={file} height={height} />;
    case "plotly":
      return <PlotlyView file={file} height={height} />;
  }
}

export function PlayerPanel(props: { project: string; metric: string; kind: PlayerKind; runs: ChartRun[]; feed: LiveFeed | null }) {
  const { project, metric, kind } = props;
  const shownRuns = props.runs.slice(0, MEDIA_RUNS);
  const { rows, error } = useMediaRows(project, metric, shownRuns.map((r) => r.run.id), props.feed, 500);
  const steps = useMemo(() => (rows ? unionSteps(rows) : []), [rows]);
  const { index, onIndex } = useStepIndex(steps);
  const step = steps[index];
  const many = shownRuns.length > 1;
  const height = many ? 150 : 240;
  const names = new Map(shownRuns.map((r) => [r.run.id, r]));
  const perRun = (rows ?? []).map((r) => {
    const i = step === undefined ? -1 : atOrBefore(r.steps, step);
    return { id: r.id, step: i >= 0 ? r.steps[i] : null, files: i >= 0 ? playerFilesOf(r.values[i], kind) : [] };
  });
  const count = perRun.reduce((n, r) => n + r.files.length, 0);
  const [one, several] = NOUNS[kind];

  return (
    <div class="media-panel player-panel" data-metric={metric} data-kind={kind} data-step={step ?? ""}>
      <div class="chart-head">
        <span class="chart-title" title={metric}>{metric}</span>
        <span class="chart-sub">{count} {count === 1 ? one : several}</span>
      </div>
      <div class="media-body">
        {error && <div class="chart-msg chart-err">{error}</div>}
        {!rows && !error && <div class="chart-msg">Loading…</div>}
        {rows && !steps.length && <div class="chart-msg">No {several} for the visible runs</div>}
        {perRun.map((r) => {
          const cr = names.get(r.id);
          return (
            <div class="media-run" key={r.id} data-run-id={r.id}>
              {many && <MediaRunHead id={r.id} run={cr} step={r.step} shown={step} />}
              {r.files.length ? (
                <div class={`player-list${r.files.length > 1 ? " multi" : ""}`}>
                  {r.files.map((f, i) => <View key={`${f.path}:${i}`} file={f} height={r.files.length > 1 ? Math.round(height * 0.6) : height} />)}
                </div>
              ) : (
                <span class="muted media-none">no {one} yet</span>
              )}
            </div>
          );
        })}
        {props.runs.length > MEDIA_RUNS && <div class="muted media-more">+ {props.runs.length - MEDIA_RUNS} more runs: open a run page to see theirs</div>}
      </div>
      <StepSlider steps={steps} index={index} onIndex={onIndex} />
    </div>
  );
}
