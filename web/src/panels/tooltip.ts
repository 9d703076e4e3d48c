// The hover box of uPlot charts (line charts and custom charts): written as DOM text, never HTML.
import type uPlot from "uplot";

export interface TipRow {
  color: string;
  name: string;
  value: string;
}

/** Fill the hover box with a heading and one row per series; `more` rows were left out. */
export function fillTip(tip: HTMLDivElement, head: string, rows: TipRow[], more = 0): void {
  tip.replaceChildren();
  const h = document.createElement("div");
  h.className = "tip-head";
  h.textContent = head;
  tip.appendChild(h);
  for (const r of rows) {
    const line = document.createElement("div");
    line.className = "tip-row";
    const sw = document.createElement("span");
    sw.className = "swatch";
    sw.style.background = r.color;
    const name = document.createElement("span");
    name.className = "tip-name";
    name.textContent = r.name;
    const val = document.createElement("span");
    val.className = "tip-val";
    val.textContent = r.value;
    line.append(sw, name, val);
    tip.appendChild(line);
  }
  if (more > 0) {
    const rest = document.createElement("div");
    rest.className = "tip-more";
    rest.textContent = `+ ${more} more`;
    tip.appendChild(rest);
  }
}

/** Show the hover box beside the cursor, on whichever side it fits. */
export function placeTip(tip: HTMLDivElement, u: uPlot): void {
  tip.style.display = "block";
  const left = u.cursor.left ?? 0;
  const tw = tip.offsetWidth;
  const x = left + 16 + tw > u.over.clientWidth ? Math.max(0, left - tw - 16) : left + 16;
  tip.style.transform = `translate(${x + u.over.offsetLeft}px, ${(u.cursor.top ?? 0) + 12}px)`;
}
