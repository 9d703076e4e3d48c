// Which stored media paths the dashboard turns into URLs: only the server's own media files, so
// that no logged value can make the browser fetch from another origin (or another route).

const MEDIA_PATH = /^media\/[A-Za-z0-9/_.-]+$/;

/**
 * `path` when it names a file in the server's media store (`media/ab/<sha256>.png`): no scheme,
 * no leading slash, no `..`, no empty segment; otherwise null (the caller shows "refused").
 */
export function safeMediaPath(path: unknown): string | null {
  if (typeof path !== "string" || !MEDIA_PATH.test(path)) return null;
  if (path.includes("..") || path.includes("//") || path.endsWith("/")) return null;
  return path;
}

/** `url` when it is on `origin` (the page's), else null: the last check before a fetch. */
export function sameOrigin(url: string, origin: string): string | null {
  try {
    return new URL(url, origin).origin === origin ? url : null;
  } catch {
    return null;
  }
}
