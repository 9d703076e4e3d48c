// Bundles the dashboard into the Python package: ../src/heron/server/static/{index.html,app.js,app.css}.
// `node build.mjs` builds once (minified); `node build.mjs --watch` rebuilds on change.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = resolve(here, "../src/heron/server/static");
const watch = process.argv.includes("--watch");
const version = JSON.parse(readFileSync(resolve(here, "package.json"), "utf8")).version;

mkdirSync(outdir, { recursive: true });
// index.html uses relative asset URLs so the app works under any path prefix.
writeFileSync(resolve(outdir, "index.html"), readFileSync(resolve(here, "index.html"), "utf8"));

const options = {
  entryPoints: { app: resolve(here, "src/main.tsx") },
  outdir,
  bundle: true,
  format: "iife",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  minify: !watch,
  sourcemap: watch ? "inline" : false,
  jsx: "automatic",
  jsxImportSource: "preact",
  define: { __HERON_WEB_VERSION__: JSON.stringify(version) },
  legalComments: "none",
  logLevel: "info",
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}
