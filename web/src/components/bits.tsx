// Small shared pieces: state pill, tag chips, live indicator, empty states.
import type { ComponentChildren } from "preact";
import type { LiveStatus } from "../api";
import { STATE_CLASS } from "../colors";

export function StatePill({ state }: { state: string }) {
  return (
    <span class={`state ${STATE_CLASS[state] ?? "st-other"}`} data-state={state}>
      {state === "running" && <span class="pulse" />}
      {state}
    </span>
  );
}

export function Tags({ tags }: { tags: string[] }) {
  return (
    <span class="tags">
      {tags.map((t) => (
        <span class="tag" key={t} title={t}>
          {t}
        </span>
      ))}
    </span>
  );
}

export function LiveDot({ status }: { status: LiveStatus }) {
  const label = status === "live" ? "Live" : status === "connecting" ? "Connecting…" : "Reconnecting…";
  return (
    <span class={`live live-${status}`} title={`Live updates: ${label}`} data-live={status}>
      <span class="live-dot" />
      {label}
    </span>
  );
}

export function Empty(props: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <div class="empty-title">{props.title}</div>
      {props.children && <div class="empty-body">{props.children}</div>}
    </div>
  );
}

export function Spinner({ label = "Loading…" }: { label?: string }) {
  return <div class="loading">{label}</div>;
}
