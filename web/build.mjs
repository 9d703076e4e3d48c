// Bundles the dashboard into the Python package: ../src/heron/server/static/{index.html,app.js,app.css}
// (and plotly.min.js with plotly.css, loaded on demand).
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
// plotly.js is loaded by the page only when a plotly panel is shown (src/panels/plotlyloader.ts).
// The <style> elements it would add, which the page's `style-src 'self'` refuses, become a
// stylesheet of our own (plotly.css; plotly adds its rules there) and placeholders that tell
// plotly its styles are already in the page.
const plotly = readFileSync(resolve(here, "node_modules/plotly.js-strict-dist-min/plotly-strict.min.js"), "utf8");
const inlineStyles = [...plotly.matchAll(
  /getElementById\("([0-9a-f]{64})"\)\)\{var (\w+)=document\.createElement\("style"\);\2\.id="\1",\2\.textContent=('(?:[^'\\]|\\.)*')/g,
)];
const styleIds = inlineStyles.map((m) => m[1]);
const styleText = inlineStyles.map((m) => new Function(`return ${m[3]}`)()); // a JS string literal
writeFileSync(resolve(outdir, "plotly.css"), ["/* plotly.js's styles (see build.mjs) */", ...styleText].join("\n"));
const placeholders = `(function(){${JSON.stringify(styleIds)}.forEach(function(i){if(!document.getElementById(i)){` +
  `var m=document.createElement("meta");m.id=i;document.head.appendChild(m);}});})();\n`;
writeFileSync(resolve(outdir, "plotly.min.js"), placeholders + plotly);

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
