// The verification queue: registrations waiting for an officer, with masked personal data,
// approved or rejected with a reason.
import { h, replaceChildren } from "../../../shared/dom";
import { formatTime, type Lang, type Translate } from "../../../shared/i18n";
import { type Api, ApiError, type Member } from "../api";
import type { MessageKey } from "../i18n";

export class VerificationQueue {
  readonly element = h("section", { class: "view verification" });
  private readonly rows = h("tbody");
  private readonly more = h("button", { type: "button" });
  private cursor: string | null = null;

  constructor(
    private readonly api: Api,
    private readonly t: Translate<MessageKey>,
    private readonly lang: Lang,
  ) {
    this.more.textContent = t("common.more");
    this.more.addEventListener("click", () => void this.loadPage());
    replaceChildren(
      this.element,
      h("header", { class: "view-header" }, h("h2", {}, t("nav.members"))),
      h(
        "table",
        {},
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ...["members.name", "members.phone", "members.id_number", "members.registered", ""].map(
              (k) => h("th", {}, k ? t(k as MessageKey) : ""),
            ),
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
    const page = await this.api.members({ status: "pending", cursor: this.cursor });
    for (const member of page.members) this.rows.appendChild(this.row(member));
    this.cursor = page.next_cursor;
    this.more.hidden = !this.cursor;
    if (!this.rows.childElementCount) {
      this.rows.appendChild(
        h("tr", {}, h("td", { colspan: 5, class: "muted" }, this.t("members.none"))),
      );
    }
  }

  private row(member: Member): HTMLElement {
    const { t } = this;
    const reason = h("input", { name: "reason", maxlength: 200, placeholder: t("members.reason") });
    const outcome = h("td", { class: "actions" });
    const decide = (decision: "approve" | "reject") => () => {
      this.api
        .verifyMember(member.member_id, { decision, reason: reason.value.trim() })
        .then((decided) =>
          replaceChildren(
            outcome,
            h("span", { class: "done" }, t(`members.${decided.status}` as MessageKey)),
          ),
        )
        .catch((failure: unknown) => {
          outcome.appendChild(
            h(
              "p",
              { class: "error", role: "alert" },
              failure instanceof ApiError ? failure.explanation : t("common.failed"),
            ),
          );
        });
    };
    replaceChildren(
      outcome,
      h("button", { class: "primary", onclick: decide("approve") }, t("members.approve")),
      reason,
      h("button", { class: "danger", onclick: decide("reject") }, t("members.reject")),
    );
    return h(
      "tr",
      { "data-member-id": member.member_id },
      h("td", {}, member.name),
      h("td", {}, member.phone_masked),
      h("td", {}, member.id_number_masked),
      h("td", {}, formatTime(member.registered_at, this.lang)),
      outcome,
    );
  }
}
