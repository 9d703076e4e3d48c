// One logged video, audio clip or HTML page, drawn from its stored file: a GIF as an image and
// other videos in <video>; audio in <audio> over a waveform decoded in the browser; HTML in a
// sandboxed frame that runs no script (the server serves it with a sandboxing policy too).
import { useEffect, useRef, useState } from "preact/hooks";
import { api, url } from "../api";
import { safeMediaPath, sameOrigin } from "../mediapath";
import { isGif, peaks, type PlayerFile } from "./players";

function Caption({ text }: { text?: string }) {
  return text ? <div class="media-caption" title={text}>{text}</div> : null;
}

function Refused({ path }: { path: string }) {
  return <span class="muted media-none" title={path}>file path refused</span>;
}

export function VideoView({ file, height }: { file: PlayerFile; height: number }) {
  const src = api.mediaUrl(file.path);
  if (src === null) return <Refused path={file.path} />;
  return (
    <figure class="player player-video" data-path={file.path}>
      {isGif(file.path) ? (
        <img src={src} alt={file.caption ?? "video"} style={{ height: `${height}px` }} />
      ) : (
        <video src={src} controls loop muted playsInline preload="metadata" style={{ height: `${height}px` }} />
      )}
      <Caption text={file.caption} />
    </figure>
  );
}

/** Decoded waveforms by file: a clip shown at many steps or in the enlarged view decodes once. */
const decoded = new Map<string, Promise<Float32Array[]>>();

function decode(path: string): Promise<Float32Array[]> {
  let p = decoded.get(path);
  if (!p) {
    const at = api.mediaUrl(path);
    p = (async () => {
      if (at === null) throw new Error("file path refused");
      const res = await fetch(at, { credentials: "same-origin" });
      if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
      // An offline context decodes without playing anything (no user gesture needed).
      const audio = await new OfflineAudioContext(1, 1, 44100).decodeAudioData(await res.arrayBuffer());
      return Array.from({ length: audio.numberOfChannels }, (_, i) => audio.getChannelData(i));
    })();
    p.catch(() => decoded.delete(path));
    decoded.set(path, p);
  }
  return p;
}

function Waveform({ path }: { path: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    decode(path)
      .then((channels) => {
        const canvas = ref.current;
        if (!live || !canvas) return;
        const w = Math.max(1, Math.round(canvas.clientWidth * devicePixelRatio));
        const h = Math.max(1, Math.round(canvas.clientHeight * devicePixelRatio));
        canvas.width = w;
        canvas.height = h;
        const ctx = canvas.getContext("2d")!;
        ctx.fillStyle = getComputedStyle(canvas).color;
        const { min, max } = peaks(channels, w);
        for (let x = 0; x < w; x++) {
          const top = ((1 - Math.min(1, max[x])) / 2) * h;
          const bottom = ((1 - Math.max(-1, min[x])) / 2) * h;
          ctx.fillRect(x, top, 1, Math.max(1, bottom - top));
        }
        canvas.dataset.ready = "1";
        canvas.dataset.seconds = (channels[0].length / 44100).toFixed(3);
      })
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [path]);
  if (error) return <div class="muted waveform-msg">waveform unavailable: {error}</div>;
  return <canvas class="waveform" ref={ref} aria-label="Waveform" />;
}

export function AudioView({ file }: { file: PlayerFile }) {
  const src = api.mediaUrl(file.path);
  if (src === null) return <Refused path={file.path} />;
  return (
    <figure class="player player-audio" data-path={file.path}>
      <Waveform path={file.path} />
      <audio src={src} controls preload="metadata" />
      <Caption text={file.caption} />
    </figure>
  );
}

/** The URL of the server's framed copy of a logged HTML page (see routes/media_panels.py). */
function frameUrl(path: string): string | null {
  const safe = safeMediaPath(path);
  return safe === null ? null : sameOrigin(url(`html/${safe}`), location.origin);
}

export function HtmlView({ file, height }: { file: PlayerFile; height: number }) {
  const src = frameUrl(file.path);
  if (src === null) return <Refused path={file.path} />;
  // No allow-scripts and no allow-same-origin: the page runs nothing and cannot reach the
  // dashboard. Popups let its links open in a new tab, as W&B's <base target="_blank"> wants.
  return (
    <figure class="player player-html" data-path={file.path}>
      <iframe
        src={src}
        sandbox="allow-popups allow-popups-to-escape-sandbox"
        referrerpolicy="no-referrer"
        title="Logged HTML"
        style={{ height: `${height}px` }}
      />
    </figure>
  );
}
