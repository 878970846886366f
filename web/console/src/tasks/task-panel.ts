// One task as it unfolds: its offers (wave, distance, declined), claims and arrivals, the
// stream's timeline, and the officer's cancel / confirm.
import { h, replaceChildren } from "../../../shared/dom";
import { formatTime, type Lang, type Translate } from "../../../shared/i18n";
import { type Api, ApiError, type Task } from "../api";
import type { MessageKey } from "../i18n";
import { lt } from "../live/messages";
import { FINISHED, type Store, type TaskOnMap } from "../store";

const CANCELLABLE = new Set(["dispatching", "claimed", "on_scene"]);

export class TaskPanel {
  readonly element = h("section", { class: "panel task-panel", "aria-live": "polite" });
  private taskId: string | null = null;
  private error = "";

  constructor(
    private readonly api: Api,
    private readonly store: Store,
    private readonly t: Translate<MessageKey>,
    private readonly lang: Lang,
    private readonly onClose: () => void,
  ) {
    store.on("task", (task) => {
      if (task.task_id === this.taskId) this.render();
    });
    store.on("timeline", (taskId) => {
      if (taskId === this.taskId) this.render();
    });
  }

  show(taskId: string): void {
    this.taskId = taskId;
    this.error = "";
    this.render();
    this.api
      .task(taskId)
      .then((task) => this.store.setTask(task))
      .catch(() => {});
  }

  private render(): void {
    const task = this.taskId ? this.store.tasks.get(this.taskId) : undefined;
    if (!task) {
      replaceChildren(this.element, h("p", { class: "muted" }, this.t("common.loading")));
      return;
    }
    const { t } = this;
    const names = (id: string) => this.store.members.get(id)?.name || id;
    replaceChildren(
      this.element,
      h(
        "header",
        {},
        h("h2", {}, task.title),
        h(
          "button",
          { class: "close", "aria-label": t("common.close"), onclick: () => this.onClose() },
          "×",
        ),
      ),
      h(
        "p",
        { class: "muted" },
        h(
          "span",
          { class: `status status-${task.status}`, "data-status": task.status },
          t(`status.${task.status}` as MessageKey),
        ),
        " · ",
        t(`priority.${task.priority}` as MessageKey),
        " · ",
        t("task.wave", { wave: task.wave }),
        " · ",
        t("task.capacity", { claimed: task.claim_count, capacity: task.capacity }),
      ),
      task.description ? h("p", {}, task.description) : null,
      h(
        "h3",
        {},
        t("task.offers"),
        " ",
        h(
          "span",
          { class: "count", "data-testid": "offer-count" },
          String(task.offers?.length ?? task.offer_count),
        ),
      ),
      h(
        "ul",
        { class: "offers" },
        ...(task.offers ?? []).map((offer) =>
          h(
            "li",
            { class: offer.declined ? "declined" : "", "data-member-id": offer.member_id },
            names(offer.member_id),
            h(
              "span",
              { class: "muted" },
              ` ${t("task.offer_line", { wave: offer.wave, metres: Math.round(offer.distance_m) })}`,
            ),
            offer.declined ? h("span", { class: "tag" }, t("task.declined")) : null,
          ),
        ),
      ),
      h(
        "h3",
        {},
        t("task.claims"),
        " ",
        h(
          "span",
          { class: "count", "data-testid": "claim-count" },
          String(task.claims?.length ?? task.claim_count),
        ),
      ),
      h(
        "ul",
        { class: "claims" },
        ...(task.claims ?? []).map((claim) =>
          h(
            "li",
            { "data-member-id": claim.member_id },
            names(claim.member_id),
            h(
              "span",
              { class: "muted" },
              ` ${t("task.claimed_after", { seconds: Math.round(claim.offer_to_claim_s) })}`,
            ),
            claim.arrived_at
              ? h(
                  "span",
                  { class: "tag arrived" },
                  t("task.arrived_after", { seconds: Math.round(claim.claim_to_arrival_s ?? 0) }),
                )
              : null,
            FINISHED.has(task.status)
              ? null
              : h(
                  "button",
                  {
                    type: "button",
                    class: "watch-live",
                    "data-watch-live": "", // live/live-call-panel.ts answers it
                    "data-member-id": claim.member_id,
                    "data-task-id": task.task_id,
                  },
                  lt("live.watch"),
                ),
          ),
        ),
      ),
      (task.refused?.length ?? 0) > 0
        ? h(
            "details",
            {},
            h("summary", {}, t("task.refused", { count: task.refused!.length })),
            h(
              "ul",
              {},
              ...task.refused!.map((r) => h("li", {}, `${names(r.member_id)}: ${r.reason}`)),
            ),
          )
        : null,
      h("h3", {}, t("task.timeline")),
      h(
        "ol",
        { class: "timeline" },
        ...(this.store.timelines.get(task.task_id) ?? []).map((entry) =>
          h(
            "li",
            {},
            h("time", {}, formatTime(new Date(entry.atMs).toISOString(), this.lang)),
            " ",
            t(`event.${entry.type.replace("shouwang.task.", "")}` as MessageKey),
            entry.memberId ? ` · ${names(entry.memberId)}` : "",
          ),
        ),
      ),
      this.error ? h("p", { class: "error", role: "alert" }, this.error) : null,
      this.actions(task),
    );
  }

  private actions(task: TaskOnMap): HTMLElement {
    const { t } = this;
    const act = (run: (id: string) => Promise<Task>) => () => {
      run(task.task_id)
        .then((updated) => this.store.setTask(updated))
        .catch((failure: unknown) => {
          this.error = failure instanceof ApiError ? failure.explanation : t("common.failed");
          this.render();
        });
    };
    return h(
      "div",
      { class: "actions" },
      task.status === "resolved"
        ? h(
            "button",
            { class: "primary", name: "confirm", onclick: act((id) => this.api.confirmTask(id)) },
            t("task.confirm"),
          )
        : null,
      CANCELLABLE.has(task.status) && !FINISHED.has(task.status)
        ? h(
            "button",
            { class: "danger", name: "cancel", onclick: act((id) => this.api.cancelTask(id)) },
            t("task.cancel"),
          )
        : null,
    );
  }
}
