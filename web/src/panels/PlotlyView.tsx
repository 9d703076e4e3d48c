// One logged plotly figure (W&B's plotly-file: the figure's JSON), drawn by plotly.js, which is
// loaded the first time such a panel is shown.
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api";
import { loadPlotly } from "./plotlyloader";
import { fittedLayout, type PlayerFile } from "./players";

interface Figure {
  data?: unknown[];
  layout?: Record<string, unknown>;
}

export function PlotlyView({ file, height }: { file: PlayerFile; height: number }) {
  const ref = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const at = api.mediaUrl(file.path);
    if (at === null) {
      setError("file path refused");
      return;
    }
    const ctrl = new AbortController();
    let drawn: HTMLElement | null = null;
    Promise.all([
      loadPlotly(),
      fetch(at, { credentials: "same-origin", signal: ctrl.signal }).then((res) => {
        if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
        return res.json() as Promise<Figure>;
      }),
    ])
      .then(async ([plotly, figure]) => {
        const el = ref.current;
        if (ctrl.signal.aborted || !el) return;
        await plotly.react(el, figure.data ?? [], fittedLayout(figure.layout, height), {
          displaylogo: false,
          responsive: true,
        });
        drawn = el;
        el.dataset.ready = "1";
        setError(null);
      })
      .catch((e: Error) => !ctrl.signal.aborted && setError(e.message));
    return () => {
      ctrl.abort();
      const el = drawn;
      if (el) void loadPlotly().then((plotly) => plotly.purge(el));
    };
  }, [file.path, height]);
  return (
    <figure class="player player-plotly" data-path={file.path}>
      {error && <div class="chart-msg chart-err">{error}</div>}
      <div class="plotly-box" ref={ref} style={{ height: `${height}px` }} />
    </figure>
  );
}
