// The console's entry: sign-in, then a shell of screens (live map, task board, report
// moderation, verification queue) over one store, one API client and one stream.
import "leaflet/dist/leaflet.css";
import "@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css";
import "./style.css";
import "./map/leaflet"; // Leaflet global before geoman (see map/leaflet.ts)
import { h, replaceChildren } from "../../shared/dom";
import { Api, type Session } from "./api";
import { CommsView } from "./comms/comms-view";
import { lang, t, type MessageKey } from "./i18n";
import { LiveCallPanel } from "./live/live-call-panel";
import { loginView, mayUseConsole } from "./login/login-view";
import { MapView } from "./map/map-view";
import { MemberDirectory } from "./members/directory";
import { VerificationQueue } from "./members/verification";
import { ReportModeration } from "./reports/moderation";
import { StatsView } from "./stats/stats-view";
import { Store } from "./store";
import { Stream } from "./stream";
import { TaskBoard } from "./tasks/task-board";
import { TrainingApi } from "./training/training-api";
import { TrainingView } from "./training/training-view";

const SCREENS = [
  "map",
  "tasks",
  "reports",
  "members",
  "directory",
  "stats",
  "comms",
  "training",
] as const;
type Screen = (typeof SCREENS)[number];

const root = document.getElementById("console")!;
const api = new Api();
const store = new Store();
document.documentElement.lang = lang;
document.title = t("app.name");

// Signing out (or a refresh the server refused) starts the page afresh: no view, timer or
// stream of the old session survives it, and the tab holds no token any more.
api.onSignedOut = () => {
  stream?.stop();
  window.location.reload();
};
store.on("session", (session) => {
  if (session) openShell(session);
});

function showLogin(): void {
  replaceChildren(
    root,
    loginView(api, t, (session) => store.setSession(session)),
  );
}

let stream: Stream | null = null;

function openShell(session: Session): void {
  const mapView = new MapView(api, store, t, lang);
  // Watching a member live opens a column beside the map (live/).
  mapView.element.append(new LiveCallPanel(api, store, () => mapView.shown()).element);
  const comms = new CommsView(api, lang);
  mapView.overlay(comms.liveDrawings.layer); // the group open in the comms screen, drawn live
  const board = new TaskBoard(api, t, lang, (taskId) => store.select(taskId));
  const moderation = new ReportModeration(api, t, lang, (taskId) => store.select(taskId));
  const verification = new VerificationQueue(api, t, lang);
  const directory = new MemberDirectory(
    api,
    t,
    session.member.roles.includes("admin"),
    session.member.member_id,
  );
  const views: Record<Screen, { element: HTMLElement; load(): Promise<void> }> = {
    map: mapView,
    tasks: board,
    reports: moderation,
    members: verification,
    directory,
    stats: new StatsView(api, t, lang),
    training: new TrainingView(
      new TrainingApi((method, path, options) => api.call(method, path, options)),
      lang,
    ),
    comms,
  };
  const liveness = h("span", { class: "liveness", "data-testid": "liveness" });
  const showLiveness = (connected: boolean) => {
    liveness.className = `liveness ${connected ? "on" : "off"}`;
    liveness.textContent = t(connected ? "nav.live" : "nav.offline");
  };
  store.on("connection", showLiveness);
  showLiveness(false);
  const links = SCREENS.map((screen) =>
    h("a", { href: `#${screen}`, "data-screen": screen }, t(`nav.${screen}` as MessageKey)),
  );
  const otherLang = lang === "en" ? "?" : "?lang=en";
  replaceChildren(
    root,
    h(
      "header",
      { class: "top" },
      h("b", { class: "brand" }, t("app.name")),
      h("nav", {}, ...links),
      liveness,
      h("span", { class: "who" }, session.member.name),
      h(
        "a",
        { href: `${otherLang}${window.location.hash}`, class: "lang" },
        lang === "en" ? "中文" : "English",
      ),
      h("button", { type: "button", onclick: () => void api.logout() }, t("nav.logout")),
    ),
    h("main", { class: "screens" }, ...Object.values(views).map((v) => v.element)),
  );
  const show = () => {
    const screen = (SCREENS as readonly string[]).includes(location.hash.slice(1))
      ? (location.hash.slice(1) as Screen)
      : "map";
    for (const [name, view] of Object.entries(views)) view.element.hidden = name !== screen;
    for (const link of links) link.classList.toggle("active", link.dataset.screen === screen);
    if (screen === "map") mapView.shown();
    else void views[screen].load().catch(() => {});
  };
  window.onhashchange = show;
  show();
  // Loaded here, and again when the stream reconnects without being able to resume.
  void mapView.load().catch(() => {});
  let connectedBefore = false;
  store.on("selected", (taskId) => {
    if (taskId && location.hash !== "#map") location.hash = "#map";
  });

  stream = new Stream(api, {
    task: (type, data) => {
      store.noteTaskEvent(data.task_id, { type, memberId: data.member_id ?? "", atMs: Date.now() });
      api
        .task(data.task_id)
        .then((task) => store.setTask(task))
        .catch(() => {});
    },
    report: (type) => {
      void mapView.loadReports().catch(() => {});
      // New reports join the queue; decisions are already shown where they were taken.
      if (type === "shouwang.report.submitted" && location.hash === "#reports") {
        void moderation.load().catch(() => {});
      }
    },
    position: (position) => store.movedMember(position),
    connected: (resumed) => {
      store.setConnected(true);
      if (connectedBefore && !resumed) void mapView.load().catch(() => {});
      connectedBefore = true;
    },
    disconnected: () => store.setConnected(false),
  });
  stream.start();
}

// A reload keeps the tab's session (its refresh token is in sessionStorage).
void api.resume().then((resumed) => {
  if (resumed && api.session && mayUseConsole(api.session)) store.setSession(api.session);
  else showLogin();
});
