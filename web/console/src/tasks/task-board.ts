// The task board: the officer's tasks newest first, filtered by status, a page at a time.
import { h, replaceChildren } from "../../../shared/dom";
import { formatTime, type Lang, type Translate } from "../../../shared/i18n";
import type { Api, TaskStatus, TaskSummary } from "../api";
import type { MessageKey } from "../i18n";

const STATUSES: TaskStatus[] = [
  "dispatching",
  "claimed",
  "on_scene",
  "resolved",
  "closed",
  "cancelled",
  "expired",
  "unfilled",
];
const PAGE_SIZE = 20;

export class TaskBoard {
  readonly element = h("section", { class: "view board" });
  private readonly rows = h("tbody");
  private readonly more = h("button", { type: "button" });
  private readonly status = h("select", { name: "status" });
  private cursor: string | null = null;

  constructor(
    private readonly api: Api,
    private readonly t: Translate<MessageKey>,
    private readonly lang: Lang,
    private readonly onOpen: (taskId: string) => void,
  ) {
    replaceChildren(
      this.status,
      h("option", { value: "" }, t("board.all")),
      ...STATUSES.map((s) => h("option", { value: s }, t(`status.${s}` as MessageKey))),
    );
    this.status.addEventListener("change", () => void this.load());
    this.more.textContent = t("common.more");
    this.more.addEventListener("click", () => void this.loadPage());
    replaceChildren(
      this.element,
      h(
        "header",
        { class: "view-header" },
        h("h2", {}, t("nav.tasks")),
        h("label", {}, `${t("board.status")} `, this.status),
      ),
      h(
        "table",
        {},
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ...[
              "board.created",
              "board.title",
              "board.priority",
              "board.status",
              "board.claims",
            ].map((k) => h("th", {}, t(k as MessageKey))),
          ),
        ),
        this.rows,
      ),
      this.more,
    );
  }

  async load(): Promise<void> {
    this.cursor = null;
    this.rows.replaceChildren();
    await this.loadPage();
  }

  private async loadPage(): Promise<void> {
    const page = await this.api.tasks({
      status: this.status.value as TaskStatus | "",
      cursor: this.cursor,
      limit: PAGE_SIZE,
    });
    for (const task of page.tasks) this.rows.appendChild(this.row(task));
    this.cursor = page.next_cursor;
    this.more.hidden = !this.cursor;
    if (!this.rows.childElementCount) {
      this.rows.appendChild(
        h("tr", {}, h("td", { colspan: 5, class: "muted" }, this.t("common.empty"))),
      );
    }
  }

  private row(task: TaskSummary): HTMLElement {
    const { t } = this;
    return h(
      "tr",
      { "data-task-id": task.task_id },
      h("td", {}, formatTime(task.created_at, this.lang)),
      h("td", {}, h("a", { href: "#map", onclick: () => this.onOpen(task.task_id) }, task.title)),
      h("td", {}, t(`priority.${task.priority}` as MessageKey)),
      h(
        "td",
        {},
        h(
          "span",
          { class: `status status-${task.status}` },
          t(`status.${task.status}` as MessageKey),
        ),
      ),
      h("td", {}, `${task.claim_count} / ${task.capacity}`),
    );
  }
}
