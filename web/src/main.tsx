// Heron's dashboard: the app shell (top bar, theme, sign-in, routing by URL hash).
import "uplot/dist/uPlot.min.css";
import "./styles.css";
import { render } from "preact";
import type { Me } from "./accounts";
import { UserMenu } from "./components/UserMenu";
import { Spinner } from "./components/bits";
import { Admin, MyKeys } from "./pages/Admin";
import { Artifacts } from "./pages/Artifacts";
import { ArtifactVersionPage } from "./pages/ArtifactVersion";
import { Compare } from "./pages/Compare";
import { Projects } from "./pages/Projects";
import { RunPage } from "./pages/RunPage";
import { SignIn } from "./pages/SignIn";
import { SweepPage } from "./pages/SweepPage";
import { Sweeps } from "./pages/Sweeps";
import { Workspace } from "./pages/Workspace";
import { href, useRoute, type Route } from "./router";
import { startSession, useSession } from "./session";
import { setTheme, useTheme } from "./theme";

function Crumbs({ route }: { route: Route }) {
  if (route.page === "admin" || route.page === "keys") {
    return (
      <nav class="crumbs" aria-label="Breadcrumbs">
        <span class="crumb-sep">/</span>
        <span class="crumb">{route.page === "admin" ? "admin" : "my keys"}</span>
      </nav>
    );
  }
  if (route.page === "projects" || route.page === "notfound") return null;
  return (
    <nav class="crumbs" aria-label="Breadcrumbs">
      <span class="crumb-sep">/</span>
      {route.entity ? (
        <>
          <span class="crumb muted" data-crumb="entity">{route.entity}</span>
          <span class="crumb-sep">/</span>
        </>
      ) : null}
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
      {(route.page === "artifacts" || route.page === "artifact") && (
        <>
          <span class="crumb-sep">/</span>
          <a href={href.artifacts(route.project)} class="crumb">artifacts</a>
        </>
      )}
      {route.page === "artifact" && (
        <>
          <span class="crumb-sep">/</span>
          <span class="crumb">{`${route.name}:${route.alias}`}</span>
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

function Page({ route, me }: { route: Route; me: Me | null }) {
  // Two entities' projects of one name are different pages: nothing carries over between them.
  const at = "project" in route ? `${route.entity ?? "?"}/${route.project}` : "";
  switch (route.page) {
    case "projects":
      return <Projects />;
    case "workspace":
      return <Workspace key={at} project={route.project} />;
    case "run":
      return <RunPage key={`${at}/${route.run}`} project={route.project} runId={route.run} tab={route.tab} />;
    case "sweeps":
      return <Sweeps key={at} project={route.project} />;
    case "sweep":
      return <SweepPage key={`${at}/${route.sweep}`} project={route.project} sweepId={route.sweep} />;
    case "artifacts":
      return <Artifacts key={at} project={route.project} />;
    case "artifact":
      return <ArtifactVersionPage key={`${at}/${route.name}/${route.alias}`} project={route.project} name={route.name} alias={route.alias} file={route.file} />;
    case "compare":
      return <Compare key={at} project={route.project} runIds={route.runs} />;
    case "admin":
      return <Admin me={me} tab={route.tab} />;
    case "keys":
      return <MyKeys me={me} />;
    default:
      return (
        <div class="page">
          <div class="empty">
            <div class="empty-title">Nothing here</div>
            <a href="#/">Back to projects</a>
          </div>
        </div>
      );
  }
}

function App() {
  const route = useRoute();
  const theme = useTheme();
  const session = useSession();
  // Until the server says who we are, and while it wants a key, no page loads (nor 401s).
  let page;
  if (session.status === "checking") page = <div class="page"><Spinner label="Connecting…" /></div>;
  else if (session.status === "signin") page = <SignIn reason={session.reason} canCancel={!!session.back} />;
  else page = <Page route={route} me={session.me} />;
  return (
    <>
      <header class="topbar">
        <a class="brand" href={href.projects()}>
          <span class="brand-mark" />
          Heron
        </a>
        {session.status === "ready" && <Crumbs route={route} />}
        <span class="spacer" />
        {session.status === "ready" && <UserMenu me={session.me} />}
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

startSession();
const root = document.getElementById("app")!;
root.textContent = "";
render(<App />, root);
