// Heron's dashboard: the app shell (top bar, theme, routing by URL hash).
import "uplot/dist/uPlot.min.css";
import "./styles.css";
import { render } from "preact";
import { Compare } from "./pages/Compare";
import { Projects } from "./pages/Projects";
import { RunPage } from "./pages/RunPage";
import { SweepPage } from "./pages/SweepPage";
import { Sweeps } from "./pages/Sweeps";
import { Workspace } from "./pages/Workspace";
import { href, useRoute, type Route } from "./router";
import { setTheme, useTheme } from "./theme";

function Crumbs({ route }: { route: Route }) {
  if (route.page === "projects" || route.page === "notfound") return null;
  return (
    <nav class="crumbs" aria-label="Breadcrumbs">
      <span class="crumb-sep">/</span>
      <a href={href.workspace(route.project)} class="crumb">
        {route.project}
      </a>
      {route.page === "run" && (
        <>
          <span class="crumb-sep">/</span>
          <span class="crumb">{route.run}</span>
        </>
      )}
      {(route.page === "sweeps" || route.page === "sweep") && (
        <>
          <span class="crumb-sep">/</span>
          <a href={href.sweeps(route.project)} class="crumb">sweeps</a>
        </>
      )}
      {route.page === "sweep" && (
        <>
          <span class="crumb-sep">/</span>
          <span class="crumb">{route.sweep}</span>
        </>
      )}
      {route.page === "compare" && (
        <>
          <span class="crumb-sep">/</span>
          <span class="crumb">compare</span>
        </>
      )}
    </nav>
  );
}

function App() {
  const route = useRoute();
  const theme = useTheme();
  let page;
  switch (route.page) {
    case "projects":
      page = <Projects />;
      break;
    case "workspace":
      page = <Workspace key={route.project} project={route.project} />;
      break;
    case "run":
      page = <RunPage key={`${route.project}/${route.run}`} project={route.project} runId={route.run} tab={route.tab} />;
      break;
    case "sweeps":
      page = <Sweeps project={route.project} />;
      break;
    case "sweep":
      page = <SweepPage key={route.sweep} project={route.project} sweepId={route.sweep} />;
      break;
    case "compare":
      page = <Compare project={route.project} runIds={route.runs} />;
      break;
    default:
      page = (
        <div class="page">
          <div class="empty">
            <div class="empty-title">Nothing here</div>
            <a href="#/">Back to projects</a>
          </div>
        </div>
      );
  }
  return (
    <>
      <header class="topbar">
        <a class="brand" href={href.projects()}>
          <span class="brand-mark" />
          Heron
        </a>
        <Crumbs route={route} />
        <span class="spacer" />
        <button
          class="btn btn-ghost theme-toggle"
          title="Switch light / dark theme"
          aria-label="Switch theme"
          onClick={() => setTheme(theme === "dark" ? "light" : "dark")}
        >
          {theme === "dark" ? "☀ Light" : "☾ Dark"}
        </button>
      </header>
      <main>{page}</main>
    </>
  );
}

const root = document.getElementById("app")!;
root.textContent = "";
render(<App />, root);
