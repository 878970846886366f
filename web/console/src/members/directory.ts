// The member directory: members of the officer's scope with masked personal data, by status;
// officers suspend (in two steps), administrators set roles and the org that places them.
import { h, replaceChildren } from "../../../shared/dom";
import type { Translate } from "../../../shared/i18n";
import { type Api, ApiError, type Member, type MemberStatus, type Org } from "../api";
import type { MessageKey } from "../i18n";

const STATUSES: MemberStatus[] = ["verified", "suspended", "pending", "rejected"];
const ROLES = ["member", "team_leader", "officer", "admin"] as const;

export class MemberDirectory {
  readonly element = h("section", { class: "view directory" });
  private readonly rows = h("tbody");
  private readonly more = h("button", { type: "button" });
  private readonly status = h("select", { name: "status" });
  private cursor: string | null = null;
  private orgs = new Map<string, Org>();

  constructor(
    private readonly api: Api,
    private readonly t: Translate<MessageKey>,
    private readonly isAdmin: boolean,
    private readonly selfId: string,
  ) {
    replaceChildren(
      this.status,
      ...STATUSES.map((s) => h("option", { value: s }, t(`members.${s}` as MessageKey))),
    );
    this.status.addEventListener("change", () => void this.load());
    this.more.textContent = t("common.more");
    this.more.addEventListener("click", () => void this.loadPage());
    const headings: MessageKey[] = [
      "members.name",
      "members.phone",
      "members.team",
      "members.roles",
    ];
    replaceChildren(
      this.element,
      h(
        "header",
        { class: "view-header" },
        h("h2", {}, t("nav.directory")),
        h("label", {}, `${t("board.status")} `, this.status),
      ),
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, ...headings.map((k) => h("th", {}, t(k))), h("th", {}))),
        this.rows,
      ),
      this.more,
    );
  }

  async load(): Promise<void> {
    this.cursor = null;
    this.rows.replaceChildren();
    this.orgs = new Map((await this.api.allOrgs()).map((org) => [org.org_id, org]));
    await this.loadPage();
  }

  private async loadPage(): Promise<void> {
    const status = this.status.value as MemberStatus;
    const page = await this.api.members({ status, cursor: this.cursor });
    for (const member of page.members) this.rows.appendChild(this.row(member));
    this.cursor = page.next_cursor;
    this.more.hidden = !this.cursor;
    if (!this.rows.childElementCount) {
      this.rows.appendChild(
        h("tr", {}, h("td", { colspan: 5, class: "muted" }, this.t("common.empty"))),
      );
    }
  }

  private row(member: Member): HTMLElement {
    const { t } = this;
    const roles = h("td", { class: "roles" }, this.rolesText(member));
    const actions = h("td", { class: "actions" });
    const error = (failure: unknown) =>
      actions.appendChild(
        h(
          "p",
          { class: "error", role: "alert" },
          failure instanceof ApiError ? failure.explanation : t("common.failed"),
        ),
      );
    if (member.status === "verified" && member.member_id !== this.selfId) {
      const suspend = h("button", { class: "danger", name: "suspend" }, t("members.suspend"));
      suspend.addEventListener("click", () => {
        // A second click confirms: suspension ends the member's sessions and duty at once.
        if (!suspend.classList.contains("confirming")) {
          suspend.classList.add("confirming");
          suspend.textContent = t("members.suspend_confirm");
          return;
        }
        this.api
          .suspendMember(member.member_id)
          .then((changed) =>
            replaceChildren(
              actions,
              h("span", { class: "done" }, t(`members.${changed.status}` as MessageKey)),
            ),
          )
          .catch(error);
      });
      actions.appendChild(suspend);
    }
    if (this.isAdmin && member.status === "verified") {
      actions.appendChild(this.rolesEditor(member, roles, error));
    }
    return h(
      "tr",
      { "data-member-id": member.member_id },
      h("td", {}, member.name),
      h("td", {}, member.phone_masked),
      h("td", {}, this.orgs.get(member.team_id)?.name ?? ""),
      roles,
      actions,
    );
  }

  private rolesEditor(
    member: Member,
    shown: HTMLElement,
    error: (failure: unknown) => void,
  ): HTMLElement {
    const { t } = this;
    const boxes = ROLES.map((role) =>
      h("input", {
        type: "checkbox",
        name: "role",
        value: role,
        checked: member.roles.includes(role),
      }),
    );
    const placement = h(
      "select",
      { name: "org" },
      h("option", { value: "" }, t("members.org_unchanged")),
      ...[...this.orgs.values()].map((org) =>
        h("option", { value: org.org_id }, `${org.name} (${t(`org.${org.kind}` as MessageKey)})`),
      ),
    );
    const save = h(
      "button",
      { type: "button", class: "primary", name: "save-roles" },
      t("members.save_roles"),
    );
    save.addEventListener("click", () => {
      const roles = boxes
        .filter((box) => box.checked)
        .map((box) => box.value as (typeof ROLES)[number]);
      this.api
        .setRoles(member.member_id, { roles, org_id: placement.value })
        .then((changed) => replaceChildren(shown, this.rolesText(changed)))
        .catch(error);
    });
    return h(
      "details",
      { class: "roles-editor" },
      h("summary", {}, t("members.edit_roles")),
      ...ROLES.map((role, i) =>
        h("label", { class: "check" }, boxes[i], t(`role.${role}` as MessageKey)),
      ),
      h("label", { class: "field" }, h("span", {}, t("members.placement")), placement),
      save,
    );
  }

  private rolesText(member: Member): string {
    return member.roles.map((role) => this.t(`role.${role}` as MessageKey)).join("、");
  }
}
