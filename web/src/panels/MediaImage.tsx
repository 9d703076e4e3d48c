// One logged image with its bounding boxes and segmentation masks drawn over it (W&B's
// structure), each box group and mask toggled by the panel. Labels are text, never HTML.
import type { JSX } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { api } from "../api";
import { boxRect, classColor, type Picture } from "./media";

export interface Overlays {
  /** Box groups and mask names switched off. */
  off: Set<string>;
}

/** Colourised masks, by file: each class id its colour, class 0 (background) transparent. */
const maskCache = new Map<string, Promise<HTMLCanvasElement>>();

function colourMask(path: string): Promise<HTMLCanvasElement> {
  let p = maskCache.get(path);
  if (!p) {
    const src = api.mediaUrl(path);
    if (src === null) return Promise.reject(new Error(`mask path refused: ${path}`));
    p = new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => {
        const c = document.createElement("canvas");
        c.width = img.naturalWidth;
        c.height = img.naturalHeight;
        const ctx = c.getContext("2d")!;
        ctx.drawImage(img, 0, 0);
        const data = ctx.getImageData(0, 0, c.width, c.height);
        const px = data.data;
        const rgb = new Map<number, [number, number, number]>();
        for (let i = 0; i < px.length; i += 4) {
          const id = px[i];
          if (id === 0) {
            px[i + 3] = 0;
            continue;
          }
          let col = rgb.get(id);
          if (!col) {
            const n = parseInt(classColor(id).slice(1), 16);
            col = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
            rgb.set(id, col);
          }
          px[i] = col[0];
          px[i + 1] = col[1];
          px[i + 2] = col[2];
          px[i + 3] = 120;
        }
        ctx.putImageData(data, 0, 0);
        resolve(c);
      };
      img.onerror = () => reject(new Error(`mask ${path} did not load`));
      img.src = src;
    });
    maskCache.set(path, p);
  }
  return p;
}

function MaskLayer({ path, name }: { path: string; name: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    let live = true;
    colourMask(path)
      .then((src) => {
        const c = ref.current;
        if (!live || !c) return;
        c.width = src.width;
        c.height = src.height;
        c.getContext("2d")!.drawImage(src, 0, 0);
        c.dataset.ready = "1";
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [path]);
  return <canvas ref={ref} class="media-mask" data-mask={name} />;
}

/** In place of a file whose stored path is not one of the server's media files. */
export function MediaRefused({ path }: { path: unknown }) {
  return (
    <span class="media-refused" data-refused="1" title={`Not a media file of this server: ${String(path)}`}>
      media path refused
    </span>
  );
}

export function MediaImage(props: {
  picture: Picture;
  overlays: Overlays;
  maxHeight: number;
  onClick?: () => void;
  showCaption?: boolean;
  /** Scale the image up to `maxHeight` (the enlarged view); else small images grow to `minHeight`. */
  fill?: boolean;
  minHeight?: number;
}) {
  const { picture: pic, overlays } = props;
  const w = pic.width || 1;
  const h = pic.height || 1;
  const dispH = props.fill ? props.maxHeight : Math.min(props.maxHeight, Math.max(h, props.minHeight ?? 64));
  const dispW = (dispH * w) / h;
  const small = dispH > h * 1.5;
  const boxes: JSX.Element[] = [];
  for (const [group, g] of Object.entries(pic.boxes ?? {})) {
    if (overlays.off.has(`box:${group}`)) continue;
    g.box_data.forEach((b, i) => {
      const r = boxRect(b, pic.width, pic.height);
      const color = classColor(b.class_id);
      const label = b.box_caption ?? g.class_labels?.[String(b.class_id)] ?? `class_${b.class_id}`;
      const score = b.scores ? Object.entries(b.scores).map(([k, v]) => `${k} ${+v.toFixed(3)}`).join(" ") : "";
      boxes.push(
        <div
          key={`${group}:${i}`}
          class="media-box"
          data-group={group}
          data-class={b.class_id}
          title={`${group}: ${label}${score ? ` (${score})` : ""}`}
          style={{
            left: `${(r.x / pic.width) * 100}%`,
            top: `${(r.y / pic.height) * 100}%`,
            width: `${(r.w / pic.width) * 100}%`,
            height: `${(r.h / pic.height) * 100}%`,
            borderColor: color,
          }}
        >
          <span class="media-box-label" style={{ background: color }}>{label}</span>
        </div>,
      );
    });
  }
  const masks = Object.entries(pic.masks ?? {}).filter(([name]) => !overlays.off.has(`mask:${name}`));
  const src = api.mediaUrl(pic.path);
  return (
    <figure class="media-fig">
      <div
        class={`media-img${props.onClick ? " clickable" : ""}${small ? " pixelated" : ""}`}
        onClick={props.onClick}
        title={props.onClick ? "Click to enlarge" : undefined}
        style={{ width: `${Math.round(dispW)}px`, aspectRatio: `${w} / ${h}` }}
      >
        {src !== null ? (
          <img src={src} alt={pic.caption ?? ""} loading="lazy" />
        ) : (
          <MediaRefused path={pic.path} />
        )}
        {masks.map(([name, m]) => <MaskLayer key={name} name={name} path={m.path} />)}
        {boxes}
      </div>
      {props.showCaption !== false && pic.caption ? (
        <figcaption class="media-caption" title={pic.caption} style={{ maxWidth: `${Math.max(Math.round(dispW), 80)}px` }}>{pic.caption}</figcaption>
      ) : null}
    </figure>
  );
}

/** The classes each box group and mask of the pictures names, for a legend. */
export function classesOf(pics: Picture[]): { group: string; classes: [number, string][] }[] {
  const groups = new Map<string, Map<number, string>>();
  const add = (group: string, labels: Record<string, string> | undefined, skipZero: boolean) => {
    if (!groups.has(group)) groups.set(group, new Map());
    for (const [id, name] of Object.entries(labels ?? {})) {
      if (!(skipZero && Number(id) === 0)) groups.get(group)!.set(Number(id), name);
    }
  };
  for (const p of pics) {
    for (const [g, v] of Object.entries(p.boxes ?? {})) add(`▭ ${g}`, v.class_labels, false);
    for (const [m, v] of Object.entries(p.masks ?? {})) add(`◩ ${m}`, v.class_labels, true);
  }
  return [...groups.entries()].map(([group, m]) => ({ group, classes: [...m.entries()].sort((a, b) => a[0] - b[0]) }));
}
