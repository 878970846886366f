// The patroller app's entry: sign-in or registration, then a shell of five screens (duty, tips,
// points, news, me) over one store, one API client, one outbox and one /stream connection; offers
// come over everything as a full-screen card. Works offline once loaded: the service worker
// serves the shell, the outbox keeps what the member makes until the network returns.
import "leaflet/dist/leaflet.css";
import "./style.css";
import { h, replaceChildren } from "../../shared/dom";
import type { DrawingEvent } from "../../shared/drawings-layer";
import { EventStream } from "../../shared/event-stream";
import { LIVE_CALL_EVENTS, type LiveCallEvent } from "../../shared/live-call";
import { Api, Unreachable, type Message, type Profile } from "./api";
import { loginView, pendingView, registerView } from "./account/entry";
import { ProfileView } from "./account/profile-view";
import type { AppContext, Screen } from "./context";
import { Duty } from "./duty/duty";
import { DRAWING_EVENT, GroupDrawings } from "./groups/group-drawings";
import { DutyView } from "./duty/duty-view";
import { lang, t, type MessageKey } from "./i18n";
import { LiveCallSheet } from "./live/live-call-sheet";
import { GroupMap } from "./map/group-map";
import { NewsView } from "./news/news-view";
import { armAlerts } from "./offers/alert";
import { OfferCard, offerFrom, pendingOffers, type OfferedEvent } from "./offers/offer-card";
import { TaskPanel } from "./offers/task-panel";
import { BATCH_FIXES, Outbox, type Item } from "./outbox/outbox";
import { PointsView } from "./points/points-view";
import { Store } from "./store";
import { TipForm } from "./tips/tip-form";

const SCREENS = ["duty", "tips", "points", "news", "me"] as const;
type ScreenName = (typeof SCREENS)[number];
const TASK_UPDATES = [
  "shouwang.task.claimed",
  "shouwang.task.declined",
  "shouwang.task.arrived",
  "shouwang.task.resolved",
  "shouwang.task.closed",
  "shouwang.task.cancelled",
  "shouwang.task.expired",
  "shouwang.task.unfilled",
];
const OFFERED = "shouwang.task.offered";
const REPORT_UPDATES = ["shouwang.report.approved", "shouwang.report.rejected"];
const BULLETIN = "shouwang.bulletin.published";
const GROUP_MESSAGE = "shouwang.group.message";
// A drawing on a group's map; a new group may come with drawings already made.
const GROUP_MAPS = [DRAWING_EVENT, "shouwang.group.created"];
// The member's own record, masked as the API gives it, so the shell opens without a network.
const PROFILE_KEY = "shouwang.app.profile";

const root = document.getElementById("app")!;
document.documentElement.lang = lang;
document.title = t("app.name");
armAlerts();
if ("serviceWorker" in navigator) {
  void navigator.serviceWorker.register("sw.js").catch(() => {});
}

const api = new Api();
const store = new Store();
let taskPanel: TaskPanel | null = null;
const outbox = new Outbox(api, {
  waiting: (waiting) => store.setWaiting(waiting),
  sent: (item, reply) => whenSent(item, reply),
  refused: (item, error) =>
    store.notify({
      text: t("outbox.refused", { what: t(`kind.${item.kind}`), why: error.message }),
      tone: "warn",
    }),
});
const duty = new Duty(api, outbox, store);
const ctx: AppContext = { api, store, outbox, duty, t, lang };

api.onSignedOut = () => {
  localStorage.removeItem(PROFILE_KEY);
  // Start afresh on the first screen: no view, timer or stream of the old session survives.
  window.location.replace(window.location.href.split("#")[0]!);
};

function whenSent(item: Item, reply: unknown): void {
  if (item.kind === "fixes") {
    store.setSent(Date.now());
    const rejected = (reply as { rejected?: unknown[] }).rejected ?? [];
    if (rejected.length)
      store.notify({ text: t("duty.rejected", { count: rejected.length }), tone: "warn" });
  } else if (item.kind === "report") {
    store.notify({ text: t("tip.arrived"), tone: "info" });
  } else if (item.kind === "complete" || item.kind === "arrive") {
    void taskPanel?.refresh(item.task_id).catch(() => {});
  }
}

function showLogin(phone = ""): void {
  replaceChildren(
    root,
    loginView(api, t, lang, () => void openShell().catch(() => showLogin()), showRegister, phone),
  );
}

function showRegister(): void {
  replaceChildren(
    root,
    registerView(
      api,
      t,
      lang,
      (phone) => replaceChildren(root, pendingView(t, phone, showLogin)),
      () => showLogin(),
    ),
  );
}

async function currentProfile(): Promise<Profile | null> {
  try {
    const profile = await api.me();
    localStorage.setItem(PROFILE_KEY, JSON.stringify(profile));
    return profile;
  } catch (error) {
    if (!(error instanceof Unreachable)) throw error;
    const kept = localStorage.getItem(PROFILE_KEY);
    return kept ? (JSON.parse(kept) as Profile) : null;
  }
}

async function openShell(): Promise<void> {
  const profile = await currentProfile();
  if (!profile) {
    showLogin();
    return;
  }
  store.setProfile(profile);
  const panel = (taskPanel = new TaskPanel(ctx));
  duty.onFix = (fix) => panel.checkArrival(fix);
  duty.onLapsed = () => store.notify({ text: t("duty.lapsed"), tone: "warn" });
  const news = new NewsView(ctx);
  const liveCall = new LiveCallSheet(ctx);
  const drawings = new GroupDrawings(api);
  const views: Record<ScreenName, Screen> = {
    duty: new DutyView(ctx, panel, new GroupMap(ctx, drawings)),
    tips: new TipForm(ctx),
    points: new PointsView(ctx),
    news,
    me: new ProfileView(ctx),
  };
  const offers = new OfferCard(ctx, (taskId) => {
    location.hash = "#duty";
    void panel
      .refresh(taskId)
      .then(() => panel.element.scrollIntoView({ block: "start" }))
      .catch(() => {});
  });
  const links = SCREENS.map((screen) =>
    h(
      "a",
      { href: `#${screen}`, "data-screen": screen, class: "tab" },
      h("span", { class: `tab-icon icon-${screen}` }),
      h("span", {}, t(`nav.${screen}` as MessageKey)),
    ),
  );
  const liveness = h("span", { class: "liveness off", "data-testid": "liveness" });
  store.on("connection", (connected) => {
    liveness.className = `liveness ${connected ? "on" : "off"}`;
    liveness.title = t(connected ? "nav.live" : "nav.offline");
  });
  const waitingChip = h("a", {
    href: "#duty",
    class: "chip",
    hidden: true,
    "data-testid": "waiting-chip",
  });
  store.on("waiting", (waiting) => {
    const total =
      waiting.fixes + waiting.photos + waiting.reports + waiting.completions + waiting.other;
    // The header tells of a backlog only: a batch of fixes filling up is the normal course.
    const backlog = total - waiting.fixes > 0 || waiting.fixes >= BATCH_FIXES || !navigator.onLine;
    waitingChip.hidden = total === 0 || !backlog;
    waitingChip.textContent = t("waiting.chip", { count: total });
  });
  const notice = h("div", {
    class: "notice",
    hidden: true,
    "data-testid": "notice",
    role: "status",
  });
  let noticeTimer: number | undefined;
  store.on("notice", (value) => {
    window.clearTimeout(noticeTimer);
    notice.hidden = value === null;
    if (!value) return;
    notice.textContent = value.text;
    notice.className = `notice ${value.tone}`;
    if (value.tone === "info") noticeTimer = window.setTimeout(() => store.notify(null), 6000);
  });
  notice.onclick = () => store.notify(null);
  replaceChildren(
    root,
    h(
      "header",
      { class: "top" },
      h("b", { class: "brand" }, t("app.short")),
      h("span", { class: "who" }, profile.name),
      waitingChip,
      liveness,
    ),
    notice,
    h("main", { class: "screens" }, ...Object.values(views).map((view) => view.element)),
    h("nav", { class: "tabs-bar" }, ...links),
    offers.element,
    liveCall.element,
  );
  const show = () => {
    const wanted = location.hash.slice(1);
    const screen = (SCREENS as readonly string[]).includes(wanted)
      ? (wanted as ScreenName)
      : "duty";
    for (const [name, view] of Object.entries(views)) view.element.hidden = name !== screen;
    for (const link of links) link.classList.toggle("active", link.dataset.screen === screen);
    views[screen].shown();
  };
  window.onhashchange = show;
  show();

  await outbox.startFor(profile.member_id);
  if (profile.on_duty) duty.resume();
  void panel.restore().catch(() => {});
  void pendingOffers(api, profile.member_id)
    .then((offers) => offers.forEach((offer) => store.addOffer(offer)))
    .catch(() => {});

  const stream = new EventStream(
    () => api.streamTicket(),
    [
      OFFERED,
      ...TASK_UPDATES,
      ...REPORT_UPDATES,
      BULLETIN,
      GROUP_MESSAGE,
      ...GROUP_MAPS,
      ...LIVE_CALL_EVENTS,
    ],
    {
      event: (type, data) =>
        type.startsWith("shouwang.live_call.")
          ? liveCall.deliver(type, data as LiveCallEvent)
          : onEvent(type, data as Record<string, unknown>, { panel, news, drawings }),
      connected: (resumed) => {
        store.setConnected(true);
        // The groups' drawings, again after a gap the stream could not resume across.
        if (!resumed) void drawings.load().catch(() => {});
      },
      disconnected: () => store.setConnected(false),
    },
  );
  stream.start();
  window.addEventListener("online", () => stream.nudge());
}

function onEvent(
  type: string,
  data: Record<string, unknown>,
  { panel, news, drawings }: { panel: TaskPanel; news: NewsView; drawings: GroupDrawings },
): void {
  const me = store.profile?.member_id ?? "";
  if (type === OFFERED) {
    const offer = offerFrom(data as unknown as OfferedEvent, me);
    if (offer) store.addOffer(offer);
    return;
  }
  if (type.startsWith("shouwang.task.")) {
    const taskId = String(data.task_id ?? "");
    if (store.task?.task_id === taskId) void panel.refresh(taskId).catch(() => {});
    if (store.offers.some((o) => o.task_id === taskId) && type !== "shouwang.task.declined") {
      // Someone claimed it, or it ended: an offer still shown may have nothing left to claim.
      void api
        .task(taskId)
        .then((task) => {
          if (task.status !== "dispatching") store.dropOffer(taskId);
        })
        .catch(() => {});
    }
    if (type === "shouwang.task.closed") {
      void api
        .me()
        .then((profile) => store.setProfile(profile))
        .catch(() => {});
    }
    return;
  }
  if (REPORT_UPDATES.includes(type)) {
    store.notify({
      text: t(type.endsWith("approved") ? "report.approved_notice" : "report.rejected_notice"),
      tone: "info",
    });
  } else if (type === BULLETIN) {
    store.notify({
      text: t("news.new_bulletin", { title: String(data.title ?? "") }),
      tone: "info",
    });
  } else if (type === GROUP_MESSAGE) {
    news.messageArrived(data as Partial<Message>);
  } else if (type === DRAWING_EVENT) {
    drawings.pushed(data as DrawingEvent);
  } else if (GROUP_MAPS.includes(type)) {
    void drawings.load().catch(() => {});
  }
}

async function start(): Promise<void> {
  if (!api.resumable) {
    showLogin();
    return;
  }
  try {
    if (await api.resume()) await openShell();
    else showLogin();
  } catch (error) {
    // Offline with a kept session: open on what was kept; the session renews when it can.
    if (error instanceof Unreachable) await openShell();
    else showLogin();
  }
}

void start().catch(() => showLogin());
