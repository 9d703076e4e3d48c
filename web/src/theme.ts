// Light and dark themes: a data-theme attribute on <html>; charts re-read colours on change.
import { useEffect, useState } from "preact/hooks";

export type Theme = "light" | "dark";
const listeners = new Set<(t: Theme) => void>();

export function currentTheme(): Theme {
  return document.documentElement.dataset.theme === "dark" ? "dark" : "light";
}

export function setTheme(t: Theme): void {
  document.documentElement.dataset.theme = t;
  try {
    localStorage.setItem("heron.theme", t);
  } catch {
    /* ignore */
  }
  for (const l of listeners) l(t);
}

export function useTheme(): Theme {
  const [t, set] = useState<Theme>(currentTheme());
  useEffect(() => {
    listeners.add(set);
    return () => void listeners.delete(set);
  }, []);
  return t;
}

/** A CSS custom property of the current theme, e.g. cssVar("--fg"). */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
