// A panel that renders its content only once it is on (or near) the screen, so a workspace of
// hundreds of panels asks the server only for what the user can see.
import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";

const MARGIN = 100;

export function LazyPanel(props: { children: () => ComponentChildren; minHeight: number; class?: string; wide?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  const [seen, setSeen] = useState(false);
  // Panels already on screen at the first layout render at once (no wait for the observer).
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || seen) return;
    const r = el.getBoundingClientRect();
    if (r.bottom > -MARGIN && r.top < window.innerHeight + MARGIN) setSeen(true);
  }, []);
  useEffect(() => {
    const el = ref.current;
    if (!el || seen) return;
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          setSeen(true);
          io.disconnect();
        }
      },
      { rootMargin: `${MARGIN}px 0px` },
    );
    io.observe(el);
    return () => io.disconnect();
  }, [seen]);
  return (
    <div class={`panel${props.class ? ` ${props.class}` : ""}${props.wide ? " panel-wide" : ""}`} ref={ref} style={{ minHeight: `${props.minHeight}px` }} data-seen={seen ? "1" : "0"}>
      {seen ? props.children() : <div class="panel-skeleton" />}
    </div>
  );
}
