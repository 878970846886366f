// Report moderation: pending tips and hazards with their photos, approved with points or
// rejected with a note.
import { h, replaceChildren } from "../../../shared/dom";
import { formatTime, type Lang, type Translate } from "../../../shared/i18n";
import { type Api, ApiError, type Report, type TaskDraft } from "../api";
import type { MessageKey } from "../i18n";

export class ReportModeration {
  readonly element = h("section", { class: "view moderation" });
  private readonly list = h("div", { class: "cards" });
  private readonly more = h("button", { type: "button" });
  private cursor: string | null = null;
  private readonly photoUrls: string[] = [];

  constructor(
    private readonly api: Api,
    private readonly t: Translate<MessageKey>,
    private readonly lang: Lang,
    /** Show a task dispatched from a report (on the map). */
    private readonly onTask: (taskId: string) => void,
  ) {
    this.more.textContent = t("common.more");
    this.more.addEventListener("click", () => void this.loadPage());
    replaceChildren(
      this.element,
      h("header", { class: "view-header" }, h("h2", {}, t("nav.reports"))),
      this.list,
      this.more,
    );
  }

  async load(): Promise<void> {
    this.cursor = null;
    for (const url of this.photoUrls.splice(0)) URL.revokeObjectURL(url);
    this.list.replaceChildren();
    await this.loadPage();
  }

  private async loadPage(): Promise<void> {
    const page = await this.api.reports({ status: "pending", cursor: this.cursor });
    for (const report of page.reports) this.list.appendChild(this.card(report));
    this.cursor = page.next_cursor;
    this.more.hidden = !this.cursor;
    if (!this.list.childElementCount)
      this.list.appendChild(h("p", { class: "muted" }, this.t("reports.none")));
  }

  private card(report: Report): HTMLElement {
    const { t } = this;
    const points = h("input", { type: "number", min: 0, max: 10000, value: 5, name: "points" });
    const note = h("input", { name: "note", maxlength: 4000, placeholder: t("reports.note") });
    const error = h("p", { class: "error", role: "alert" });
    const photos = h("div", { class: "photos" });
    for (const mediaId of report.media_ids) {
      this.api
        .mediaUrl(mediaId)
        .then((url) => {
          this.photoUrls.push(url);
          photos.appendChild(h("img", { src: url, alt: t("reports.photo") }));
        })
        .catch(() => {});
    }
    const card = h(
      "article",
      { class: "card", "data-report-id": report.report_id },
      h(
        "header",
        {},
        h("b", {}, t(`category.${report.category}` as MessageKey)),
        h("span", { class: "muted" }, ` ${formatTime(report.created_at, this.lang)}`),
      ),
      h("p", {}, report.description),
      photos,
      h(
        "div",
        { class: "row" },
        h("label", { class: "field" }, h("span", {}, t("reports.points")), points),
        h("label", { class: "field grow" }, h("span", {}, t("reports.note")), note),
      ),
      error,
    );
    const decide =
      (decision: "approve" | "reject", dispatch = false) =>
      () => {
        this.api
          .reviewReport(report.report_id, {
            decision,
            points: decision === "approve" ? Number(points.value) : 0,
            note: note.value.trim(),
            // Approved and dispatched at once: the nearest two around the reported spot.
            task: dispatch ? this.taskFrom(report) : null,
          })
          .then((reviewed) => {
            replaceChildren(
              card,
              h("p", { class: "done" }, t(`reports.${reviewed.status}` as MessageKey)),
            );
            if (reviewed.task_id) this.onTask(reviewed.task_id);
          })
          .catch((failure: unknown) => {
            error.textContent =
              failure instanceof ApiError ? failure.explanation : t("common.failed");
          });
      };
    card.appendChild(
      h(
        "div",
        { class: "actions" },
        h("button", { class: "primary", onclick: decide("approve") }, t("reports.approve")),
        h("button", { name: "dispatch", onclick: decide("approve", true) }, t("reports.to_task")),
        h("button", { class: "danger", onclick: decide("reject") }, t("reports.reject")),
      ),
    );
    return card;
  }

  private taskFrom(report: Report): TaskDraft {
    const category = this.t(`category.${report.category}` as MessageKey);
    return {
      title: `${category}：${report.description}`.slice(0, 100),
      description: report.description,
      kind: report.category,
      priority: 2,
      location: { lat: report.location.lat, lon: report.location.lon },
      target: { mode: "nearest", count: 2 },
    };
  }
}
