// Small per-browser preferences (theme, hidden runs, chart settings) kept in localStorage.
import { useCallback, useState } from "preact/hooks";

export function load<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(`heron.${key}`);
    return raw === null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
}

export function save(key: string, value: unknown): void {
  try {
    localStorage.setItem(`heron.${key}`, JSON.stringify(value));
  } catch {
    /* storage full or disabled: preferences are a convenience */
  }
}

/** useState that persists under `key`. */
export function usePref<T>(key: string, fallback: T): [T, (v: T | ((old: T) => T)) => void] {
  const [value, setValue] = useState<T>(() => load(key, fallback));
  const set = useCallback(
    (v: T | ((old: T) => T)) => {
      setValue((old) => {
        const next = typeof v === "function" ? (v as (o: T) => T)(old) : v;
        save(key, next);
        return next;
      });
    },
    [key],
  );
  return [value, set];
}
