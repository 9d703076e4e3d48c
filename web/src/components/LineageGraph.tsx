// An artifact version's lineage: the run that logged it on the left, the version in the middle,
// the runs that used it on the right, joined by curves. Nodes are HTML links at fixed positions
// (every label is text, never markup); the curves are one SVG behind them.
import type { ArtifactVersion, Run, RunRef } from "../api";
import { href, linkTo } from "../router";
import { StatePill } from "./bits";

const NODE_W = 220;
const NODE_H = 46;
const GAP_Y = 12;
const GAP_X = 96;
const WIDTH = NODE_W * 3 + GAP_X * 2;
/** Consumers drawn; the rest are listed as links under the graph. */
const MAX_SHOWN = 12;

function tops(n: number, height: number): number[] {
  const used = n * NODE_H + Math.max(0, n - 1) * GAP_Y;
  const start = (height - used) / 2;
  return Array.from({ length: n }, (_, i) => start + i * (NODE_H + GAP_Y));
}

function curve(x1: number, y1: number, x2: number, y2: number): string {
  const mx = (x1 + x2) / 2;
  return `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
}

function RunNode({ run, top, left, role }: { run: RunRef; top: number; left: number; role: "producer" | "consumer" }) {
  return (
    <a
      class={`lineage-node lineage-run lineage-${role}`}
      style={{ top: `${top}px`, left: `${left}px`, width: `${NODE_W}px`, height: `${NODE_H}px` }}
      href={href.run(linkTo(run), run.id)}
      title={`${run.name} (${run.id})`}
      data-lineage={role}
      data-run={run.id}
    >
      <span class="lineage-kind">{role === "producer" ? "logged by run" : "used by run"}</span>
      <span class="lineage-label">
        <span class="lineage-name">{run.name}</span>
        <StatePill state={run.state} />
      </span>
    </a>
  );
}

export function LineageGraph({ version, consumers }: { version: ArtifactVersion; consumers: Run[] }) {
  const producer = version.logged_by;
  const shown = consumers.slice(0, MAX_SHOWN);
  const rows = Math.max(1, shown.length);
  const height = rows * NODE_H + (rows - 1) * GAP_Y + 8;
  const [midTop] = tops(1, height);
  const midY = midTop + NODE_H / 2;
  const xMid = NODE_W + GAP_X;
  const xRight = xMid + NODE_W + GAP_X;
  const right = tops(shown.length, height);
  return (
    <div class="lineage" data-lineage-graph>
      <div class="lineage-canvas" style={{ width: `${WIDTH}px`, height: `${height}px` }}>
        <svg class="lineage-edges" width={WIDTH} height={height} aria-hidden="true">
          {producer && <path d={curve(NODE_W, midY, xMid, midY)} />}
          {right.map((t, i) => (
            <path key={i} d={curve(xMid + NODE_W, midY, xRight, t + NODE_H / 2)} />
          ))}
        </svg>
        {producer ? (
          <RunNode run={producer} top={midTop} left={0} role="producer" />
        ) : (
          <div class="lineage-node lineage-none" style={{ top: `${midTop}px`, left: "0px", width: `${NODE_W}px`, height: `${NODE_H}px` }} data-lineage="producer-none">
            <span class="lineage-kind">logged by run</span>
            <span class="muted">deleted run</span>
          </div>
        )}
        <div
          class="lineage-node lineage-self"
          style={{ top: `${midTop}px`, left: `${xMid}px`, width: `${NODE_W}px`, height: `${NODE_H}px` }}
          title={`${version.name}:v${version.version}`}
          data-lineage="version"
        >
          <span class="lineage-kind">{version.type}</span>
          <span class="lineage-label">
            <span class="lineage-name">{version.name}</span>
            <span class="lineage-version">:v{version.version}</span>
          </span>
        </div>
        {shown.length ? (
          shown.map((run, i) => <RunNode key={run.id} run={run} top={right[i]} left={xRight} role="consumer" />)
        ) : (
          <div class="lineage-node lineage-none" style={{ top: `${midTop}px`, left: `${xRight}px`, width: `${NODE_W}px`, height: `${NODE_H}px` }} data-lineage="consumer-none">
            <span class="lineage-kind">used by</span>
            <span class="muted">no run yet</span>
          </div>
        )}
      </div>
      {consumers.length > shown.length && (
        <div class="lineage-more" data-lineage-more>
          <span class="muted">Also used by {consumers.length - shown.length} more: </span>
          {consumers.slice(shown.length).map((run, i) => (
            <span key={run.id}>
              {i ? ", " : ""}
              <a href={href.run(linkTo(run), run.id)} title={run.id} data-lineage="consumer-more" data-run={run.id}>{run.name}</a>
            </span>
          ))}
        </div>
      )}
    </div>
  );
}
