// A dialog over the page: Escape or a click outside closes it.
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";

export function Modal(props: { label: string; onClose: () => void; children: ComponentChildren; class?: string }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && props.onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [props.onClose]);
  return (
    <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && props.onClose()}>
      <div class={`modal${props.class ? ` ${props.class}` : ""}`} role="dialog" aria-label={props.label}>
        {props.children}
      </div>
    </div>
  );
}
