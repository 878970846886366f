// The home screen: the duty switch, the last fix and the last send, what waits to be sent, and
// the task in hand below.
import { h, replaceChildren } from "../../../shared/dom";
import { ApiError } from "../api";
import type { AppContext, Screen } from "../context";
import type { GroupMap } from "../map/group-map";
import type { TaskPanel } from "../offers/task-panel";
import type { Waiting } from "../outbox/outbox";

export class DutyView implements Screen {
  readonly element: HTMLElement;
  private switch = h("button", {
    type: "button",
    class: "duty-switch",
    "data-testid": "duty-switch",
  });
  private state = h("p", { class: "duty-state", "data-testid": "duty-state" });
  private lastFix = h("p", { class: "last-fix", "data-testid": "last-fix" });
  private lastSent = h("p", { class: "last-sent", "data-testid": "last-sent" });
  private waiting = h("div", { class: "waiting", "data-testid": "waiting", hidden: true });
  private problem = h("p", { class: "field-error" });

  constructor(
    private readonly ctx: AppContext,
    taskPanel: TaskPanel,
    private readonly groupMap: GroupMap,
  ) {
    this.element = h(
      "section",
      { class: "screen duty" },
      h(
        "div",
        { class: "duty-card" },
        this.state,
        this.switch,
        this.problem,
        this.lastFix,
        this.lastSent,
      ),
      this.waiting,
      taskPanel.element,
      groupMap.element,
    );
    this.switch.onclick = () => void this.toggle();
    ctx.store.on("duty", () => this.drawDuty());
    ctx.store.on("fix", () => this.drawTimes());
    ctx.store.on("sent", () => this.drawTimes());
    ctx.store.on("waiting", (waiting) => this.drawWaiting(waiting));
    window.setInterval(() => this.drawTimes(), 1000);
    this.drawDuty();
    this.drawTimes();
  }

  shown(): void {
    this.drawTimes();
    this.groupMap.shown();
  }

  private async toggle(): Promise<void> {
    this.switch.disabled = true;
    this.problem.textContent = "";
    try {
      if (this.ctx.store.onDuty) await this.ctx.duty.end();
      else await this.ctx.duty.start();
    } catch (error) {
      this.problem.textContent =
        error instanceof ApiError ? error.message : this.ctx.t("error.offline");
    } finally {
      this.switch.disabled = false;
    }
  }

  private drawDuty(): void {
    const on = this.ctx.store.onDuty;
    const { t } = this.ctx;
    this.switch.textContent = t(on ? "duty.end" : "duty.start");
    this.switch.classList.toggle("on", on);
    this.state.textContent = t(on ? "duty.on" : "duty.off");
    this.state.classList.toggle("on", on);
  }

  private drawTimes(): void {
    const { t, store } = this.ctx;
    const fix = store.lastFix;
    this.lastFix.textContent = fix
      ? t("duty.last_fix", { ago: ago(fix.atMs, t), accuracy: Math.round(fix.accuracy) })
      : t("duty.no_fix");
    this.lastSent.textContent =
      store.lastSentMs === null ? "" : t("duty.last_sent", { ago: ago(store.lastSentMs, t) });
    this.lastSent.dataset.sentAt = store.lastSentMs === null ? "" : String(store.lastSentMs);
  }

  private drawWaiting(waiting: Waiting): void {
    const { t } = this.ctx;
    const parts = (
      [
        ["fixes", waiting.fixes],
        ["photos", waiting.photos],
        ["reports", waiting.reports],
        ["completions", waiting.completions],
        ["other", waiting.other],
      ] as const
    ).filter(([, count]) => count > 0);
    this.waiting.hidden = parts.length === 0;
    replaceChildren(
      this.waiting,
      h("b", {}, t(navigator.onLine ? "waiting.sending" : "waiting.offline")),
      ...parts.map(([kind, count]) =>
        h("span", { class: "waiting-item", "data-kind": kind }, t(`waiting.${kind}`, { count })),
      ),
    );
  }
}

function ago(atMs: number, t: AppContext["t"]): string {
  const seconds = Math.max(0, Math.round((Date.now() - atMs) / 1000));
  if (seconds < 60) return t("time.seconds_ago", { n: seconds });
  return t("time.minutes_ago", { n: Math.floor(seconds / 60) });
}
