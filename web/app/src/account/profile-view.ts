// The member's own record and rights (CONTRACT "Account rights"): ID number and phone masked as
// the API gives them, a password change (other sessions end), everything held about them as a
// JSON file (PIPL art. 45), and erasure of the account.
import { h, replaceChildren } from "../../../shared/dom";
import { formatTime } from "../../../shared/i18n";
import { ApiError } from "../api";
import type { AppContext, Screen } from "../context";
import { languageLink } from "./entry";

export class ProfileView implements Screen {
  readonly element: HTMLElement;
  private facts = h("dl", { class: "facts", "data-testid": "profile" });
  private problem = h("p", { class: "field-error" });

  constructor(private readonly ctx: AppContext) {
    const { t } = ctx;
    this.element = h(
      "section",
      { class: "screen me" },
      this.facts,
      this.problem,
      this.passwordForm(),
      h("h3", {}, t("me.rights")),
      h(
        "button",
        { type: "button", class: "wide", onclick: () => void this.exportData() },
        t("me.export"),
      ),
      this.deletion(),
      h(
        "button",
        { type: "button", class: "ghost wide", onclick: () => void ctx.api.logout() },
        t("me.logout"),
      ),
      languageLink(ctx.lang),
    );
    ctx.store.on("profile", () => this.draw());
  }

  shown(): void {
    this.ctx.api
      .me()
      .then((profile) => this.ctx.store.setProfile(profile))
      .catch(() => this.draw());
  }

  private draw(): void {
    const { t, lang } = this.ctx;
    const profile = this.ctx.store.profile;
    if (!profile) return;
    const row = (label: string, value: string, testid?: string) => [
      h("dt", {}, label),
      h("dd", testid ? { "data-testid": testid } : {}, value),
    ];
    replaceChildren(
      this.facts,
      ...row(t("field.name"), profile.name),
      ...row(t("field.phone"), profile.phone_masked, "phone-masked"),
      ...row(t("field.id_number"), profile.id_number_masked, "id-masked"),
      ...row(t("me.status"), t(`status.${profile.status}` as never)),
      ...row(t("me.points"), String(profile.points)),
      ...row(t("me.since"), formatTime(profile.registered_at, lang)),
    );
  }

  private passwordForm(): HTMLElement {
    const { t } = this.ctx;
    const outcome = h("p", { class: "field-error" });
    const form = h(
      "form",
      { class: "password" },
      h("h3", {}, t("me.password")),
      h(
        "label",
        {},
        t("me.current"),
        h("input", { type: "password", name: "current", autocomplete: "current-password" }),
      ),
      h(
        "label",
        {},
        t("me.new"),
        h("input", { type: "password", name: "new", autocomplete: "new-password" }),
      ),
      outcome,
      h("button", { type: "submit", class: "primary" }, t("me.change")),
    );
    form.onsubmit = async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      try {
        await this.ctx.api.changePassword({
          current: String(data.get("current")),
          new: String(data.get("new")),
        });
        form.reset();
        outcome.textContent = t("me.changed");
      } catch (error) {
        outcome.textContent =
          error instanceof ApiError
            ? (error.fieldErrors.get("new") ?? error.fieldErrors.get("current") ?? error.message)
            : t("error.offline");
      }
    };
    return form;
  }

  private async exportData(): Promise<void> {
    try {
      const data = await this.ctx.api.exportData();
      const url = URL.createObjectURL(
        new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }),
      );
      const link = h("a", { href: url, download: "shouwang-my-data.json" });
      document.body.append(link);
      link.click();
      link.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      this.problem.textContent =
        error instanceof ApiError ? error.message : this.ctx.t("error.offline");
    }
  }

  private deletion(): HTMLElement {
    const { t } = this.ctx;
    const confirm = h(
      "button",
      { type: "button", class: "danger wide", hidden: true },
      t("me.delete_confirm"),
    );
    const ask = h("button", { type: "button", class: "danger-outline wide" }, t("me.delete"));
    const warning = h("p", { class: "muted", hidden: true }, t("me.delete_warning"));
    ask.onclick = () => {
      ask.hidden = true;
      warning.hidden = false;
      confirm.hidden = false;
    };
    confirm.onclick = async () => {
      try {
        await this.ctx.api.deleteAccount();
        this.ctx.api.forget();
      } catch (error) {
        this.problem.textContent = error instanceof ApiError ? error.message : t("error.offline");
      }
    };
    return h("div", { class: "deletion" }, ask, warning, confirm);
  }
}
