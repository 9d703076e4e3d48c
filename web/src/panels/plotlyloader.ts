// plotly.js (about 5 MB) is loaded only when a plotly panel is first shown: the build copies
// its CSP-safe "strict" bundle beside app.js as plotly.min.js, and a <script> from the same
// folder loads it (the page's script-src 'self' allows it; no eval is needed). plotly adds its
// style rules to the element with id "plotly.js-style-global": here the stylesheet plotly.css
// (built from plotly's own styles), so that no inline <style> is needed (style-src 'self').

export interface PlotlyLib {
  newPlot(el: HTMLElement, data: unknown[], layout: Record<string, unknown>, config: Record<string, unknown>): Promise<unknown>;
  react(el: HTMLElement, data: unknown[], layout: Record<string, unknown>, config: Record<string, unknown>): Promise<unknown>;
  purge(el: HTMLElement): void;
}

let loading: Promise<PlotlyLib> | null = null;

/** The URL of a file beside the dashboard's own app.js, wherever that was served. */
function besideApp(name: string): string {
  const app = [...document.scripts].find((s) => /(^|\/)app\.js(\?|$)/.test(s.src));
  return new URL(name, app ? app.src : location.href).toString();
}

function addElement<T extends HTMLLinkElement | HTMLScriptElement>(el: T, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    el.onload = () => resolve();
    el.onerror = () => reject(new Error(`${what} did not load (is the dashboard fully built?)`));
    document.head.appendChild(el);
  });
}

async function load(): Promise<PlotlyLib> {
  if (!document.getElementById("plotly.js-style-global")) {
    const css = document.createElement("link");
    css.id = "plotly.js-style-global";
    css.rel = "stylesheet";
    css.href = besideApp("plotly.css");
    await addElement(css, "plotly.css");
  }
  const script = document.createElement("script");
  script.src = besideApp("plotly.min.js");
  script.async = true;
  await addElement(script, "plotly.min.js");
  const lib = (window as unknown as { Plotly?: PlotlyLib }).Plotly;
  if (!lib) throw new Error("plotly.min.js loaded but defined no Plotly");
  return lib;
}

/** plotly.js, loaded once. */
export function loadPlotly(): Promise<PlotlyLib> {
  const ready = (window as unknown as { Plotly?: PlotlyLib }).Plotly;
  if (ready) return Promise.resolve(ready);
  if (!loading) {
    loading = load();
    loading.catch(() => {
      loading = null; // let a later panel try again
    });
  }
  return loading;
}
