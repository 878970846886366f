// Points: the balance and what each entry was for, the leaderboards (week / month / all of time,
// by team / station / city), and the catalogue to redeem from, with the member's redemptions.
import { h, replaceChildren } from "../../../shared/dom";
import { formatTime } from "../../../shared/i18n";
import { ApiError, type BoardScope, type CatalogueItem, type Period } from "../api";
import type { AppContext, Screen } from "../context";
import type { MessageKey } from "../i18n";

const PERIODS: readonly Period[] = ["week", "month", "all"];
const SCOPES: readonly BoardScope[] = ["team", "station", "city"];

export class PointsView implements Screen {
  readonly element: HTMLElement;
  private balance = h("p", { class: "balance", "data-testid": "balance" });
  private history = h("ul", { class: "list", "data-testid": "history" });
  private board = h("ol", { class: "list board", "data-testid": "board" });
  private catalogue = h("ul", { class: "list", "data-testid": "catalogue" });
  private redemptions = h("ul", { class: "list" });
  private problem = h("p", { class: "field-error" });
  private period: Period = "week";
  private scope: BoardScope = "team";
  private boardChoices = h("div", { class: "segments" });

  constructor(private readonly ctx: AppContext) {
    const { t } = ctx;
    this.element = h(
      "section",
      { class: "screen points" },
      h(
        "div",
        { class: "balance-card" },
        h("p", { class: "muted" }, t("points.balance")),
        this.balance,
      ),
      this.problem,
      h("h3", {}, t("points.history")),
      this.history,
      h("h3", {}, t("points.board")),
      this.boardChoices,
      this.board,
      h("h3", {}, t("points.catalogue")),
      this.catalogue,
      h("h3", {}, t("points.redemptions")),
      this.redemptions,
    );
    this.drawChoices();
  }

  shown(): void {
    void this.load();
  }

  async load(): Promise<void> {
    const { api, t, lang } = this.ctx;
    try {
      const [account, catalogue, redemptions] = await Promise.all([
        api.points(),
        api.catalogue(),
        api.redemptions(),
      ]);
      this.balance.textContent = String(account.balance);
      replaceChildren(
        this.history,
        ...account.entries.map((entry) =>
          h(
            "li",
            {},
            h(
              "b",
              { class: entry.delta >= 0 ? "plus" : "minus" },
              `${entry.delta >= 0 ? "+" : ""}${entry.delta}`,
            ),
            ` ${reasonText(entry.reason, t)}`,
            entry.note ? ` · ${entry.note}` : "",
            h("small", {}, formatTime(entry.at, lang)),
          ),
        ),
      );
      if (account.entries.length === 0)
        replaceChildren(this.history, h("li", {}, t("points.none")));
      replaceChildren(
        this.catalogue,
        ...catalogue.items
          .filter((item) => item.active)
          .map((item) => this.itemRow(item, account.balance)),
      );
      replaceChildren(
        this.redemptions,
        ...redemptions.redemptions.map((r) =>
          h(
            "li",
            {},
            `${r.item_name} · ${r.cost} · `,
            t(`redemption.${r.status}`),
            h("small", {}, formatTime(r.created_at, lang)),
          ),
        ),
      );
      await this.loadBoard();
    } catch (error) {
      this.problem.textContent = error instanceof ApiError ? error.message : t("error.offline");
    }
  }

  private itemRow(item: CatalogueItem, balance: number): HTMLElement {
    const { t } = this.ctx;
    const button = h(
      "button",
      { type: "button", class: "small", disabled: item.cost > balance || item.remaining <= 0 },
      t("points.redeem"),
    );
    const key = crypto.randomUUID(); // one redemption per row shown, however often it is tapped
    button.onclick = async () => {
      button.disabled = true;
      try {
        await this.ctx.api.redeem(item.item_id, key);
        this.ctx.store.notify({ text: t("points.redeemed", { name: item.name }), tone: "info" });
        await this.load();
      } catch (error) {
        this.problem.textContent = error instanceof ApiError ? error.message : t("error.offline");
        button.disabled = false;
      }
    };
    return h(
      "li",
      { class: "item" },
      h("div", {}, h("b", {}, item.name), h("small", {}, item.description)),
      h("span", { class: "cost" }, t("points.cost", { cost: item.cost })),
      button,
    );
  }

  private drawChoices(): void {
    const { t } = this.ctx;
    const segment = <V extends string>(values: readonly V[], current: V, pick: (v: V) => void) =>
      h(
        "div",
        { class: "segment" },
        ...values.map((value) =>
          h(
            "button",
            {
              type: "button",
              class: value === current ? "active" : "",
              onclick: () => {
                pick(value);
                this.drawChoices();
                void this.loadBoard().catch(() => {});
              },
            },
            t(`board.${value}` as MessageKey),
          ),
        ),
      );
    replaceChildren(
      this.boardChoices,
      segment(PERIODS, this.period, (v) => (this.period = v)),
      segment(SCOPES, this.scope, (v) => (this.scope = v)),
    );
  }

  private async loadBoard(): Promise<void> {
    const board = await this.ctx.api.leaderboard(this.period, this.scope);
    const me = this.ctx.store.profile?.member_id;
    replaceChildren(
      this.board,
      ...board.entries.map((entry) =>
        h(
          "li",
          { class: entry.member_id === me ? "me" : "" },
          h("b", {}, `${entry.rank}`),
          ` ${entry.name} `,
          h("span", { class: "cost" }, String(entry.points)),
        ),
      ),
    );
    if (board.entries.length === 0)
      replaceChildren(this.board, h("li", {}, this.ctx.t("points.none")));
  }
}

function reasonText(reason: string, t: AppContext["t"]): string {
  const known = [
    "task_closed",
    "fast_arrival",
    "report_approved",
    "quiz_correct",
    "patrol_time",
    "penalty",
    "redemption",
    "rollcall_present",
    "rollcall_late",
    "shift_attended",
    "cohort_completed",
  ];
  return known.includes(reason) ? t(`reason.${reason}` as never) : reason;
}
