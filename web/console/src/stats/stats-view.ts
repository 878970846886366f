// The statistics screen: the 1-3-5 shares as the headline, the response-time distributions,
// tasks by status, reports by category, members on duty and patrol hours over time, for the
// officer's whole scope or one station, and the figures as CSV.
import { h, replaceChildren } from "../../../shared/dom";
import type { Lang, Translate } from "../../../shared/i18n";
import type { Activity, Api, Org, ResponseStats } from "../api";
import type { MessageKey } from "../i18n";
import { type Chart, chart, dutyChart, stackedBars } from "./charts";
import { activityCsv, download } from "./csv";
import { st } from "./messages";
import "./stats.css";

const DAY_MS = 24 * 3600 * 1000;
const STATUSES = [
  "dispatching",
  "claimed",
  "on_scene",
  "resolved",
  "closed",
  "cancelled",
  "expired",
  "unfilled",
] as const;
const STATUS_COLOURS: Record<string, string> = {
  dispatching: "#60a5fa",
  claimed: "#f59e0b",
  on_scene: "#10b981",
  resolved: "#a78bfa",
  closed: "#15803d",
  cancelled: "#9ca3af",
  expired: "#f87171",
  unfilled: "#b91c1c",
};
const CATEGORIES = ["crime_clue", "safety_hazard", "traffic", "fire", "dispute", "other"] as const;
type Distribution = ResponseStats["offer_to_claim"];

/** yyyy-mm-dd of a local date, as an <input type=date> holds it. */
function dateValue(moment: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}`;
}

/** Local midnight of an <input type=date> value. */
function localMidnight(value: string): Date {
  const [y, m, d] = value.split("-").map(Number);
  return new Date(y!, (m ?? 1) - 1, d ?? 1);
}

export class StatsView {
  readonly element = h("section", { class: "view stats", "data-testid": "stats" });
  private readonly from = h("input", { type: "date", name: "from" });
  private readonly to = h("input", { type: "date", name: "to" });
  private readonly bucket = h("select", { name: "bucket" });
  private readonly org = h("select", { name: "org" });
  private readonly error = h("p", { class: "error", role: "alert" });
  private readonly headline = h("div", { class: "headline", "data-testid": "headline" });
  private readonly measured = h("p", { class: "muted" });
  private readonly distributions = h("div", { class: "distributions" });
  private readonly panes = {
    histogram: h("div", { class: "chart", "data-chart": "histogram" }),
    tasks: h("div", { class: "chart", "data-chart": "tasks" }),
    reports: h("div", { class: "chart", "data-chart": "reports" }),
    duty: h("div", { class: "chart", "data-chart": "duty" }),
  };
  private charts: Record<keyof StatsView["panes"], Chart> | null = null;
  private orgsLoaded = false;
  private shown: { response: ResponseStats; activity: Activity } | null = null;

  constructor(
    private readonly api: Api,
    private readonly t: Translate<MessageKey>,
    private readonly lang: Lang,
  ) {
    const today = new Date();
    this.from.value = dateValue(new Date(today.getTime() - 6 * DAY_MS));
    this.to.value = dateValue(today);
    replaceChildren(
      this.bucket,
      h("option", { value: "day" }, st("stats.bucket.day")),
      h("option", { value: "hour" }, st("stats.bucket.hour")),
    );
    replaceChildren(this.org, h("option", { value: "" }, st("stats.all_orgs")));
    const exportButton = h(
      "button",
      { type: "button", "data-testid": "export" },
      st("stats.export"),
    );
    exportButton.addEventListener("click", () => this.exportCsv());
    const form = h(
      "form",
      { class: "stats-filters" },
      h("label", {}, `${st("stats.from")} `, this.from),
      h("label", {}, `${st("stats.to")} `, this.to),
      h("label", {}, `${st("stats.bucket")} `, this.bucket),
      h("label", {}, `${st("stats.org")} `, this.org),
      h("button", { type: "submit", class: "primary" }, st("stats.refresh")),
      exportButton,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.load();
    });
    replaceChildren(
      this.element,
      h("header", { class: "view-header" }, h("h2", {}, st("stats.title")), form),
      this.error,
      h(
        "section",
        { class: "stats-card" },
        h("h3", {}, st("stats.headline")),
        this.headline,
        this.measured,
      ),
      h(
        "section",
        { class: "stats-card" },
        h("h3", {}, st("stats.distributions")),
        this.distributions,
        this.panes.histogram,
      ),
      h(
        "div",
        { class: "stats-grid" },
        h(
          "section",
          { class: "stats-card" },
          h("h3", {}, st("stats.tasks_by_status")),
          this.panes.tasks,
        ),
        h(
          "section",
          { class: "stats-card" },
          h("h3", {}, st("stats.reports_by_category")),
          this.panes.reports,
        ),
        h(
          "section",
          { class: "stats-card wide" },
          h("h3", {}, st("stats.on_duty")),
          this.panes.duty,
        ),
      ),
    );
    window.addEventListener("resize", () => {
      for (const c of Object.values(this.charts ?? {})) c.resize();
    });
  }

  /** Read and draw the figures of the period and station chosen (the view is visible). */
  async load(): Promise<void> {
    if (!this.orgsLoaded) await this.loadOrgs();
    const from = localMidnight(this.from.value);
    const to = new Date(localMidnight(this.to.value).getTime() + DAY_MS);
    const range = {
      from: from.toISOString(),
      to: to.toISOString(),
      org_id: this.org.value || null,
    };
    const bucket = this.bucket.value === "hour" ? "hour" : "day";
    this.error.textContent = "";
    try {
      const [response, activity] = await Promise.all([
        this.api.responseStats(range),
        this.api.activity({ ...range, bucket }),
      ]);
      this.shown = { response, activity };
      this.draw(response, activity);
      this.element.dataset.loaded = "true";
    } catch (error) {
      const explained = (error as { explanation?: string }).explanation;
      this.error.textContent = explained ?? this.t("common.failed");
    }
  }

  private async loadOrgs(): Promise<void> {
    const orgs: Org[] = await this.api.allOrgs();
    replaceChildren(
      this.org,
      h("option", { value: "" }, st("stats.all_orgs")),
      ...orgs
        .filter((org) => org.kind === "station")
        .map((station) => h("option", { value: station.org_id }, station.name)),
    );
    this.orgsLoaded = true;
  }

  private draw(response: ResponseStats, activity: Activity): void {
    replaceChildren(
      this.headline,
      ...response.on_scene_within.map((share) =>
        h(
          "div",
          { class: "share", "data-minutes": share.minutes },
          h("b", {}, share.share === null ? "—" : `${Math.round(share.share * 1000) / 10}%`),
          h("span", {}, st("stats.within", { minutes: share.minutes })),
          h("small", { class: "muted" }, `${share.tasks} / ${response.measured}`),
        ),
      ),
    );
    this.measured.textContent = response.measured
      ? st("stats.measured", { measured: response.measured, tasks: response.tasks })
      : st("stats.none_measured");
    const rows: [string, Distribution][] = [
      [st("stats.offer_to_claim"), response.offer_to_claim],
      [st("stats.claim_to_arrival"), response.claim_to_arrival],
      [st("stats.dispatch_to_arrival"), response.dispatch_to_arrival],
    ];
    const seconds = (value: number | null) =>
      value === null ? "—" : st("stats.seconds", { value: Math.round(value) });
    replaceChildren(
      this.distributions,
      h(
        "table",
        {},
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", {}, ""),
            h("th", {}, st("stats.count")),
            h("th", {}, st("stats.p50")),
            h("th", {}, st("stats.p90")),
          ),
        ),
        h(
          "tbody",
          {},
          ...rows.map(([name, d]) =>
            h(
              "tr",
              {},
              h("th", {}, name),
              h("td", {}, String(d.count)),
              h("td", {}, seconds(d.p50_s)),
              h("td", {}, seconds(d.p90_s)),
            ),
          ),
        ),
      ),
    );
    this.charts ??= {
      histogram: chart(this.panes.histogram),
      tasks: chart(this.panes.tasks),
      reports: chart(this.panes.reports),
      duty: chart(this.panes.duty),
    };
    const bins = response.claim_to_arrival.histogram.map((bin, index, all) =>
      bin.upper_s === null
        ? st("stats.bin_over", { seconds: all[index - 1]?.upper_s ?? 0 })
        : st("stats.bin_upto", { seconds: bin.upper_s }),
    );
    this.charts.histogram.setOption(
      stackedBars(bins, [
        {
          name: st("stats.offer_to_claim"),
          values: response.offer_to_claim.histogram.map((b) => b.count),
          colour: "#f59e0b",
        },
        {
          name: st("stats.claim_to_arrival"),
          values: response.claim_to_arrival.histogram.map((b) => b.count),
          colour: "#10b981",
        },
      ]),
      true,
    );
    const labels = activity.buckets.map((b) => this.label(b.start, activity.bucket));
    this.charts.tasks.setOption(
      stackedBars(
        labels,
        STATUSES.map((status) => ({
          name: this.t(`status.${status}` as MessageKey),
          values: activity.buckets.map((b) => b.tasks_by_status[status] ?? 0),
          colour: STATUS_COLOURS[status],
        })),
      ),
      true,
    );
    this.charts.reports.setOption(
      stackedBars(
        labels,
        CATEGORIES.map((category) => ({
          name: this.t(`category.${category}` as MessageKey),
          values: activity.buckets.map((b) => b.reports_by_category[category] ?? 0),
        })),
      ),
      true,
    );
    this.charts.duty.setOption(
      dutyChart(
        labels,
        {
          name: st("stats.members_on_duty"),
          values: activity.buckets.map((b) => b.members_on_duty),
        },
        { name: st("stats.patrol_hours"), values: activity.buckets.map((b) => b.patrol_hours) },
      ),
      true,
    );
    this.panes.duty.dataset.points = String(labels.length);
    for (const c of Object.values(this.charts)) c.resize();
  }

  private label(start: string, bucket: Activity["bucket"]): string {
    const moment = new Date(start);
    const options: Intl.DateTimeFormatOptions =
      bucket === "hour"
        ? { month: "2-digit", day: "2-digit", hour: "2-digit", hour12: false }
        : { month: "2-digit", day: "2-digit" };
    return moment.toLocaleString(this.lang, options);
  }

  private exportCsv(): void {
    if (!this.shown) return;
    const { response, activity } = this.shown;
    const text = activityCsv(response, activity, {
      status: (s) => this.t(`status.${s}` as MessageKey),
      category: (c) => this.t(`category.${c}` as MessageKey),
      label: (key) => st(key),
      statuses: STATUSES,
      categories: CATEGORIES,
    });
    download(`shouwang-stats-${this.from.value}-${this.to.value}.csv`, text);
  }
}
