// A run's console: all lines (paged from `/console`), then a live tail from the feed; searchable,
// ANSI colours rendered as styles, every line as text.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, type ConsoleLine, type LiveFeed } from "../api";
import { parseAnsi, stripAnsi } from "../ansi";
import { dateTime } from "../format";
import { useVirtual } from "./virtual";

const LINE_H = 18;
const PAGE = 5000;

export function Console(props: { project: string; runId: string; running: boolean; feed: LiveFeed | null }) {
  const { project, runId, running, feed } = props;
  const [lines, setLines] = useState<ConsoleLine[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [q, setQ] = useState("");
  const [follow, setFollow] = useState(true);
  const [showTime, setShowTime] = useState(false);
  const lastId = useRef(0);
  const scrollRef = useRef<HTMLDivElement>(null);

  const add = (more: ConsoleLine[]) => {
    // A line the run redrew in place (a progress bar) comes again with its id: replace it.
    const redrawn = new Map(more.filter((l) => l.id <= lastId.current).map((l) => [l.id, l]));
    const fresh = more.filter((l) => l.id > lastId.current);
    if (!fresh.length && !redrawn.size) return;
    if (fresh.length) lastId.current = fresh[fresh.length - 1].id;
    setLines((old) => (redrawn.size ? old.map((l) => redrawn.get(l.id) ?? l) : old).concat(fresh));
  };

  useEffect(() => {
    let stop = false;
    lastId.current = 0;
    setLines([]);
    setLoaded(false);
    (async () => {
      try {
        for (;;) {
          const { lines: page } = await api.console(project, runId, lastId.current, PAGE);
          if (stop) return;
          add(page);
          if (page.length < PAGE) break;
        }
        setLoaded(true);
      } catch (e) {
        if (!stop) setError((e as Error).message);
      }
    })();
    return () => {
      stop = true;
    };
  }, [project, runId]);

  useEffect(() => {
    if (!feed) return;
    return feed.subscribe((ev) => {
      if (ev.type === "console" && ev.run_id === runId) add(ev.lines);
    });
  }, [feed, runId]);

  // A safety net while the run runs: ask for lines after the last one every few seconds.
  useEffect(() => {
    if (!running || !loaded) return;
    const t = window.setInterval(() => {
      api.console(project, runId, lastId.current, PAGE).then((r) => add(r.lines)).catch(() => undefined);
    }, 4000);
    return () => window.clearInterval(t);
  }, [running, loaded, project, runId]);

  const ql = q.trim().toLowerCase();
  const shown = useMemo(() => (ql ? lines.filter((l) => stripAnsi(l.text).toLowerCase().includes(ql)) : lines), [lines, ql]);
  const { start, end, total } = useVirtual(scrollRef, shown.length, LINE_H, 20);

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  }, [shown.length, follow]);

  const onScroll = () => {
    const el = scrollRef.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < LINE_H * 2;
    if (atBottom !== follow) setFollow(atBottom);
  };

  const rows = [];
  for (let i = start; i < end; i++) {
    const l = shown[i];
    rows.push(
      <div class={`cline${l.stream === "stderr" ? " stderr" : ""}`} key={l.id} style={{ top: `${i * LINE_H}px` }} data-line-id={l.id}>
        {showTime && <span class="ctime">{dateTime(l.timestamp).slice(11)}</span>}
        {parseAnsi(l.text).map((s, j) => (
          <span key={j} class={s.cls || undefined}>
            {s.text}
          </span>
        ))}
      </div>,
    );
  }

  return (
    <div class="console card">
      <div class="card-head">
        <span class="card-title">Console</span>
        <span class="muted console-count">{ql ? `${shown.length} of ${lines.length} lines` : `${lines.length} lines`}</span>
        {running && <span class={`tail${follow ? " on" : ""}`}>{follow ? "following" : "paused"}</span>}
        <span class="spacer" />
        <label class="field check">
          <input type="checkbox" checked={showTime} onChange={(e) => setShowTime((e.target as HTMLInputElement).checked)} />
          <span>Times</span>
        </label>
        <input class="input input-sm" type="search" placeholder="Search the log" aria-label="Search console" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
        <button class="btn btn-sm" onClick={() => setFollow(true)} disabled={follow}>
          ⤓ Tail
        </button>
      </div>
      <div class="console-body" ref={scrollRef} onScroll={onScroll}>
        <div class="console-inner" style={{ height: `${total}px` }}>
          {rows}
        </div>
        {error && <div class="muted pad">{error}</div>}
        {loaded && !lines.length && <div class="muted pad">Nothing printed{running ? " yet" : ""}.</div>}
      </div>
    </div>
  );
}
