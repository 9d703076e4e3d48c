// Windowing for long lists (10,000 runs, long console logs): only rows in view are rendered.
import { useEffect, useState, type RefObject } from "preact/compat";

export function useVirtual(ref: RefObject<HTMLElement>, count: number, rowH: number, overscan = 8) {
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const onScroll = () => setScrollTop(el.scrollTop);
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    el.addEventListener("scroll", onScroll, { passive: true });
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => {
      el.removeEventListener("scroll", onScroll);
      ro.disconnect();
    };
  }, [ref.current]);
  const start = Math.max(0, Math.floor(scrollTop / rowH) - overscan);
  const end = Math.min(count, Math.ceil((scrollTop + height) / rowH) + overscan);
  return { start, end, total: count * rowH };
}
