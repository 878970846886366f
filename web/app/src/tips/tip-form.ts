// A tip or hazard: what kind, photos, where (the phone's position, a pin the member may drag),
// and what they saw. Filed through the outbox, so a tip made without a network is sent, once,
// when it returns; the member's earlier tips are listed below with their review.
import { h, replaceChildren } from "../../../shared/dom";
import { formatTime } from "../../../shared/i18n";
import type { Category } from "../api";
import type { AppContext, Screen } from "../context";
import { SmallMap } from "../map/small-map";
import { showPreviews } from "../offers/task-panel";

const CATEGORIES: readonly Category[] = [
  "crime_clue",
  "safety_hazard",
  "traffic",
  "fire",
  "dispute",
  "other",
];

export class TipForm implements Screen {
  readonly element: HTMLElement;
  private map = new SmallMap("tip-map");
  private place: { lat: number; lon: number } | null = null;
  private placeText = h("p", { class: "muted", "data-testid": "tip-place" });
  private form: HTMLFormElement;
  private mine = h("ul", { class: "list", "data-testid": "my-tips" });
  private done = h("p", { class: "done", "data-testid": "tip-done", hidden: true });

  constructor(private readonly ctx: AppContext) {
    const { t } = ctx;
    const categories = h(
      "div",
      { class: "choices" },
      ...CATEGORIES.map((category, index) =>
        h(
          "label",
          { class: "choice" },
          h("input", { type: "radio", name: "category", value: category, checked: index === 0 }),
          h("span", {}, t(`category.${category}`)),
        ),
      ),
    );
    const photos = h("input", {
      type: "file",
      name: "photos",
      accept: "image/*",
      capture: "environment",
      multiple: true,
      class: "file-input",
      "data-testid": "tip-photos",
    });
    const previews = h("div", { class: "previews" });
    photos.onchange = () => showPreviews(photos, previews);
    const description = h("textarea", {
      name: "description",
      rows: 3,
      required: true,
      placeholder: t("tip.description_hint"),
    });
    const problem = h("p", { class: "field-error" });
    this.form = h(
      "form",
      { class: "tip-form" },
      h("h2", {}, t("tip.title")),
      h("fieldset", {}, h("legend", {}, t("tip.category")), categories),
      h("label", { class: "photo-button button" }, t("tip.photos"), photos),
      previews,
      h("p", { class: "label" }, t("tip.place")),
      this.map.element,
      this.placeText,
      h("label", {}, t("tip.description"), description),
      problem,
      h(
        "button",
        { type: "submit", class: "primary huge", "data-testid": "tip-submit" },
        t("tip.submit"),
      ),
      this.done,
    );
    this.form.onsubmit = async (event) => {
      event.preventDefault();
      problem.textContent = "";
      if (!this.place) {
        problem.textContent = t("tip.no_place");
        return;
      }
      const data = new FormData(this.form);
      const refs: string[] = [];
      for (const file of Array.from(photos.files ?? [])) {
        const ref = crypto.randomUUID();
        refs.push(ref);
        await ctx.outbox.add({ kind: "photo", ref, blob: file, name: file.name });
      }
      await ctx.outbox.add({
        kind: "report",
        draft: {
          category: String(data.get("category")) as Category,
          description: description.value.trim(),
          location: { lat: this.place.lat, lon: this.place.lon },
        },
        media_refs: refs,
      });
      this.form.reset();
      replaceChildren(previews);
      this.done.textContent = t(navigator.onLine ? "tip.sent" : "tip.queued");
      this.done.hidden = false;
    };
    this.element = h(
      "section",
      { class: "screen tips" },
      this.form,
      h("h3", {}, t("tip.mine")),
      this.mine,
    );
  }

  shown(): void {
    this.done.hidden = true;
    const fix = this.ctx.store.lastFix;
    if (fix) this.setPlace(fix.lat, fix.lon);
    else {
      this.placeText.textContent = this.ctx.t("tip.locating");
      navigator.geolocation.getCurrentPosition(
        (position) => this.setPlace(position.coords.latitude, position.coords.longitude),
        () => (this.placeText.textContent = this.ctx.t("tip.no_place")),
        { enableHighAccuracy: true, timeout: 10_000 },
      );
    }
    void this.loadMine();
  }

  private setPlace(lat: number, lon: number): void {
    const moved = (a: number, b: number) => {
      this.place = { lat: a, lon: b };
      this.placeText.textContent = `${a.toFixed(5)}, ${b.toFixed(5)} · ${this.ctx.t("tip.drag")}`;
    };
    moved(lat, lon);
    this.map.showPin(lat, lon, moved);
  }

  private async loadMine(): Promise<void> {
    const { t, lang } = this.ctx;
    try {
      const page = await this.ctx.api.myReports();
      replaceChildren(
        this.mine,
        ...page.reports.map((report) =>
          h(
            "li",
            {},
            h("b", {}, t(`category.${report.category as Category}`)),
            ` ${report.description} `,
            h("span", { class: `badge ${report.status}` }, t(`report.${report.status}`)),
            h("small", {}, formatTime(report.created_at, lang)),
          ),
        ),
      );
    } catch {
      // Offline: the list waits for the next visit.
    }
  }
}
