// The task in hand, from claim to close: where it is (a small map, the distance, buttons that
// open AMap, Baidu Maps or any geo: app), on scene (by the fixes, or by hand), and the completion
// with a camera photo and a note. Arrival and completion go through the outbox, so both work
// without a network and reach the server once.
import { h, replaceChildren } from "../../../shared/dom";
import type { Fix, Task } from "../api";
import type { AppContext } from "../context";
import type { MessageKey } from "../i18n";
import { SmallMap } from "../map/small-map";
import { distanceM, navigationLinks } from "./navigate";

// Statuses in which the task is still the member's to work on or to hear about.
const ACTIVE = new Set(["claimed", "on_scene", "resolved", "closed"]);

export class TaskPanel {
  readonly element = h("section", { class: "task-panel", hidden: true, "data-testid": "task" });
  private map = new SmallMap();
  private distance = h("p", { class: "task-distance", "data-testid": "task-distance" });
  private arrivalQueued = new Set<string>();
  private completionQueued = new Set<string>();
  private renderedKey = "";

  constructor(private readonly ctx: AppContext) {
    ctx.store.on("task", () => this.render());
    ctx.store.on("fix", () => this.moved());
  }

  /** After a claim, or when the stream says the task changed. */
  async refresh(taskId: string): Promise<void> {
    const task = await this.ctx.api.task(taskId);
    const mine = task.claims.some((c) => c.member_id === this.ctx.store.profile?.member_id);
    if (mine && ACTIVE.has(task.status)) this.ctx.store.setTask(task);
    else if (this.ctx.store.task?.task_id === taskId) {
      if (["cancelled", "expired"].includes(task.status)) {
        this.ctx.store.notify({
          text: this.ctx.t(
            task.status === "cancelled" ? "task.ended.cancelled" : "task.ended.expired",
          ),
          tone: "warn",
        });
      }
      this.ctx.store.setTask(null);
    }
  }

  /** The member's claimed task when the app starts, if there is one. */
  async restore(): Promise<void> {
    const page = await this.ctx.api.myTasks();
    for (const summary of page.tasks) {
      if (["claimed", "on_scene", "resolved"].includes(summary.status)) {
        await this.refresh(summary.task_id);
        if (this.ctx.store.task) return;
      }
    }
  }

  /** Each fix: the distance, and arrival once inside the scene (the server sees it too). */
  checkArrival(fix: Fix): void {
    const task = this.ctx.store.task;
    if (!task || task.status !== "claimed" || this.arrivalQueued.has(task.task_id)) return;
    if (distanceM(fix, task.location) <= task.scene_radius_m) void this.arrive(task);
  }

  private async arrive(task: Task): Promise<void> {
    if (this.arrivalQueued.has(task.task_id)) return;
    this.arrivalQueued.add(task.task_id);
    await this.ctx.outbox.add({ kind: "arrive", task_id: task.task_id });
    // Shown at once: the completion may be made before the network returns.
    if (this.ctx.store.task?.task_id === task.task_id && task.status === "claimed") {
      this.ctx.store.setTask({ ...task, status: "on_scene" });
    }
  }

  private moved(): void {
    const task = this.ctx.store.task;
    const me = this.ctx.store.lastFix;
    if (!task || !me) return;
    this.distance.textContent = this.ctx.t("task.distance", {
      metres: Math.round(distanceM(me, task.location)),
    });
    if (!this.element.hidden) this.map.showTask(task.location, me);
  }

  private render(): void {
    const task = this.ctx.store.task;
    if (!task) {
      this.element.hidden = true;
      this.renderedKey = "";
      return;
    }
    // A stream event may bring the same state again: keep a half-written note.
    const key = `${task.task_id}:${task.status}:${this.completionQueued.has(task.task_id)}`;
    if (key === this.renderedKey) return;
    this.renderedKey = key;
    const { t } = this.ctx;
    const links = navigationLinks(task.location.lat, task.location.lon, task.title);
    const status =
      this.completionQueued.has(task.task_id) && task.status === "on_scene"
        ? "resolved"
        : task.status;
    replaceChildren(
      this.element,
      h(
        "p",
        { class: "task-status", "data-testid": "task-status", "data-status": status },
        t(`task.status.${status}` as MessageKey),
      ),
      h("h2", {}, task.title),
      task.description ? h("p", { class: "muted" }, task.description) : null,
      this.distance,
      this.map.element,
      status === "claimed" || status === "on_scene"
        ? h(
            "div",
            { class: "nav-links" },
            h(
              "a",
              { class: "button", href: links.amap, target: "_blank", rel: "noopener" },
              t("task.nav.amap"),
            ),
            h(
              "a",
              { class: "button", href: links.baidu, target: "_blank", rel: "noopener" },
              t("task.nav.baidu"),
            ),
            h(
              "a",
              { class: "button", href: links.geo, "data-testid": "nav-geo" },
              t("task.nav.geo"),
            ),
          )
        : null,
      status === "claimed"
        ? h(
            "button",
            {
              type: "button",
              class: "primary huge",
              "data-testid": "arrive",
              onclick: () => void this.arrive(task),
            },
            t("task.arrive"),
          )
        : null,
      status === "claimed" ? h("p", { class: "muted" }, t("task.arrive_hint")) : null,
      status === "on_scene" ? this.completionForm(task) : null,
      status === "resolved" ? h("p", { class: "muted" }, t("task.resolved_hint")) : null,
      status === "closed"
        ? h(
            "button",
            { type: "button", class: "ghost", onclick: () => this.ctx.store.setTask(null) },
            t("task.dismiss"),
          )
        : null,
    );
    this.element.hidden = false;
    this.moved();
    this.map.showTask(task.location, this.ctx.store.lastFix);
  }

  private completionForm(task: Task): HTMLElement {
    const { t } = this.ctx;
    const photos = h("input", {
      type: "file",
      name: "photo",
      accept: "image/*",
      capture: "environment",
      multiple: true,
      class: "file-input",
      "data-testid": "completion-photo",
    });
    const previews = h("div", { class: "previews" });
    photos.onchange = () => showPreviews(photos, previews);
    const note = h("textarea", { name: "note", rows: 3, placeholder: t("task.note_hint") });
    const form = h(
      "form",
      { class: "completion", "data-testid": "completion" },
      h("label", { class: "photo-button button" }, t("task.photo"), photos),
      previews,
      h("label", {}, t("task.note"), note),
      h("button", { type: "submit", class: "primary huge" }, t("task.complete")),
    );
    form.onsubmit = async (event) => {
      event.preventDefault();
      const refs: string[] = [];
      for (const file of Array.from(photos.files ?? [])) {
        const ref = crypto.randomUUID();
        refs.push(ref);
        await this.ctx.outbox.add({ kind: "photo", ref, blob: file, name: file.name });
      }
      await this.ctx.outbox.add({
        kind: "complete",
        task_id: task.task_id,
        note: note.value.trim(),
        media_refs: refs,
      });
      this.completionQueued.add(task.task_id);
      this.render();
    };
    return form;
  }
}

export function showPreviews(input: HTMLInputElement, into: HTMLElement): void {
  replaceChildren(
    into,
    ...Array.from(input.files ?? []).map((file) =>
      h("img", { src: URL.createObjectURL(file), alt: file.name, class: "preview" }),
    ),
  );
}
