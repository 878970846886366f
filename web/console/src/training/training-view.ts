// The rotation-training screen: classes with their attendance report and certificates, duty
// rosters and shifts with the minutes present, this month's duty hours per unit and member,
// patrol outcomes by unit and period, and the
// hotspot table (grid x hour of day) with the recommended patrol windows, each of which can
// become a roster.
import { h, replaceChildren } from "../../../shared/dom";
import { formatTime, type Lang } from "../../../shared/i18n";
import { API_PREFIX, ApiError } from "../api";
import { tt, type TrainingKey } from "./messages";
import type { Cohort, Hotspots, OutcomeStats, RosterHours, TrainingApi } from "./training-api";
import "./training.css";

const COUNTS = [
  "people_checked",
  "vehicles_checked",
  "rooms_inspected",
  "migrants_registered",
  "hazards_found",
  "offenders_caught",
] as const;
const HOURS = Array.from({ length: 24 }, (_, hour) => hour);

function table(head: (string | Node)[], rows: (string | number | Node)[][]): HTMLTableElement {
  return h(
    "table",
    { class: "grid-table" },
    h("thead", {}, h("tr", {}, ...head.map((cell) => h("th", {}, cell)))),
    h("tbody", {}, ...rows.map((row) => h("tr", {}, ...row.map((cell) => h("td", {}, cell))))),
  );
}

export class TrainingView {
  readonly element = h("section", { class: "view training", "data-testid": "training" });
  private readonly error = h("p", { class: "error", role: "alert" });
  private readonly cohorts = h("div", { "data-testid": "cohorts" });
  private readonly report = h("div", { "data-testid": "cohort-report" });
  private readonly rosters = h("div", { "data-testid": "rosters" });
  private readonly hours = h("div", { "data-testid": "roster-hours" });
  private readonly outcomes = h("div", { "data-testid": "outcomes" });
  private readonly hotspots = h("div", { "data-testid": "hotspots" });
  private readonly notice = h("p", { class: "notice", role: "status" });
  // Names for the ids the endpoints answer with (members of the officer's scope, orgs).
  private names = new Map<string, string>();
  private readonly period = h(
    "select",
    { name: "period", class: "inline", onchange: () => void this.loadOutcomes() },
    h("option", { value: "month" }, "月 / month"),
    h("option", { value: "week" }, "周 / week"),
    h("option", { value: "day" }, "日 / day"),
  );

  constructor(
    private readonly api: TrainingApi,
    private readonly lang: Lang,
  ) {
    replaceChildren(
      this.element,
      h("h2", {}, tt("training.title")),
      this.error,
      h("h3", {}, tt("training.cohorts")),
      this.cohorts,
      this.report,
      h("h3", {}, tt("training.rosters")),
      this.rosters,
      h("h3", {}, tt("training.hours")),
      this.hours,
      h("h3", {}, tt("training.outcomes"), " ", this.period),
      this.outcomes,
      h("h3", {}, tt("training.hotspots")),
      this.notice,
      this.hotspots,
    );
  }

  async load(): Promise<void> {
    this.error.textContent = "";
    await this.loadNames().catch(() => {}); // ids stay readable without names
    await Promise.all([
      this.loadCohorts(),
      this.loadRosters(),
      this.loadHours(),
      this.loadOutcomes(),
      this.loadHotspots(),
    ]).catch((error: unknown) => this.fail(error));
  }

  private async loadNames(): Promise<void> {
    const [orgs, members] = await Promise.all([this.api.teams(), this.api.members()]);
    this.names = new Map([
      ...orgs.orgs.map((org): [string, string] => [org.org_id, org.name]),
      ...members.members.map((m): [string, string] => [m.member_id, m.name]),
    ]);
  }

  private name(id: string): string {
    return this.names.get(id) ?? id;
  }

  private fail(error: unknown): void {
    this.error.textContent = error instanceof ApiError ? error.explanation : String(error);
  }

  private async loadCohorts(): Promise<void> {
    const page = await this.api.cohorts();
    if (!page.cohorts.length) {
      replaceChildren(this.cohorts, h("p", { class: "muted" }, tt("training.none")));
      return;
    }
    const rows = page.cohorts.map((cohort) => [
      h(
        "a",
        {
          href: "#training",
          "data-cohort": cohort.cohort_id,
          onclick: (e: Event) => {
            e.preventDefault();
            void this.showReport(cohort).catch((error: unknown) => this.fail(error));
          },
        },
        cohort.name,
      ),
      `${cohort.starts_on} – ${cohort.ends_on}`,
      cohort.trainee_ids.length,
      cohort.sessions.length,
    ]);
    replaceChildren(
      this.cohorts,
      table(
        [
          tt("training.name"),
          tt("training.dates"),
          tt("training.trainees"),
          tt("training.sessions"),
        ],
        rows,
      ),
    );
  }

  private async showReport(cohort: Cohort): Promise<void> {
    const report = await this.api.report(cohort.cohort_id);
    const yes = tt("training.yes");
    const rows = report.trainees.map((row) => [
      this.name(row.member_id),
      row.attended,
      row.excused,
      row.missed,
      row.patrol_hours,
      row.completed ? yes : tt("training.no"),
      row.completed
        ? h(
            "a",
            {
              href: `${API_PREFIX}/cohorts/${encodeURIComponent(cohort.cohort_id)}/certificate?member_id=${encodeURIComponent(row.member_id)}`,
              class: "certificate",
              target: "_blank",
              rel: "noopener",
            },
            tt("training.certificate"),
          )
        : "",
    ]);
    replaceChildren(
      this.report,
      h("h4", {}, `${tt("training.report")} · ${report.name}`),
      table(
        [
          tt("training.member"),
          tt("training.attended"),
          tt("training.excused"),
          tt("training.missed"),
          tt("training.patrol_hours"),
          tt("training.completed"),
          tt("training.certificate"),
        ],
        rows,
      ),
    );
  }

  private async loadRosters(): Promise<void> {
    const [rosters, shifts] = await Promise.all([this.api.rosters(), this.api.shifts()]);
    if (!rosters.rosters.length) {
      replaceChildren(this.rosters, h("p", { class: "muted" }, tt("training.none")));
      return;
    }
    const byRoster = new Map<string, typeof shifts.shifts>();
    for (const shift of shifts.shifts) {
      byRoster.set(shift.roster_id, [...(byRoster.get(shift.roster_id) ?? []), shift]);
    }
    replaceChildren(
      this.rosters,
      ...rosters.rosters.map((roster) =>
        h(
          "details",
          { class: "roster", "data-roster": roster.roster_id },
          h(
            "summary",
            {},
            `${roster.name} · ${tt("training.window")} ${roster.shifts.from}–${roster.shifts.to} · `,
            `${tt("training.shifts")} ${roster.shift_count}`,
          ),
          table(
            [
              tt("training.shift_member"),
              tt("training.org"),
              tt("training.starts"),
              tt("training.minutes"),
            ],
            (byRoster.get(roster.roster_id) ?? []).map((shift) => [
              this.name(shift.member_id),
              this.name(shift.org_id),
              formatTime(shift.starts_at, this.lang),
              shift.minutes_present ?? "–",
            ]),
          ),
        ),
      ),
    );
  }

  private async loadHours(): Promise<void> {
    const report: RosterHours = await this.api.hours();
    type Row = RosterHours["total"];
    const hoursOf = (minutes: number) => (minutes / 60).toFixed(1);
    const share = (row: Row) =>
      row.settled_scheduled_minutes
        ? `${Math.round((100 * row.present_minutes) / row.settled_scheduled_minutes)}%`
        : "–";
    const figures = (row: Row) => [
      row.shifts,
      row.settled,
      row.missed,
      hoursOf(row.scheduled_minutes),
      hoursOf(row.present_minutes),
      share(row),
    ];
    const head = [
      tt("training.shifts"),
      tt("training.settled"),
      tt("training.missed"),
      tt("training.scheduled_h"),
      tt("training.present_h"),
      tt("training.attendance"),
    ];
    replaceChildren(
      this.hours,
      h("h4", {}, tt("training.hours_units")),
      table(
        [tt("training.org"), ...head],
        [
          ...report.units.map((row) => [this.name(row.org_id), ...figures(row)]),
          [tt("training.total"), ...figures(report.total)],
        ],
      ),
      h("h4", {}, tt("training.hours_members")),
      table(
        [tt("training.shift_member"), tt("training.org"), ...head],
        report.members.map((row) => [
          this.name(row.member_id),
          this.name(row.org_id),
          ...figures(row),
        ]),
      ),
    );
  }

  private async loadOutcomes(): Promise<void> {
    const stats: OutcomeStats = await this.api.outcomes(this.period.value);
    const label = (key: (typeof COUNTS)[number]) => tt(`training.${key}` as TrainingKey);
    const rows = stats.rows.map((row) => [
      this.name(row.org_id),
      row.period,
      row.logs,
      ...COUNTS.map((key) => row.counts[key]),
    ]);
    rows.push([tt("training.total"), "", stats.logs, ...COUNTS.map((key) => stats.total[key])]);
    replaceChildren(
      this.outcomes,
      table(
        [tt("training.org"), tt("training.period"), tt("training.logs"), ...COUNTS.map(label)],
        rows,
      ),
    );
  }

  private async loadHotspots(): Promise<void> {
    const spots: Hotspots = await this.api.hotspots();
    const names = new Map(spots.grids.map((g) => [g.grid_id, g.name]));
    const cells = new Map(spots.cells.map((c) => [`${c.grid_id}:${c.hour}`, c]));
    const top = Math.max(0.0001, ...spots.cells.map((c) => c.score));
    const recommended = new Set(
      spots.windows.flatMap((w) => w.hours.map((hour) => `${w.grid_id}:${hour}`)),
    );
    const heat = h(
      "table",
      { class: "heat", "data-testid": "heat" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", {}, tt("training.grid")),
          ...HOURS.map((hour) => h("th", {}, `${hour}`)),
        ),
      ),
      h(
        "tbody",
        {},
        ...spots.grids.map((grid) =>
          h(
            "tr",
            {},
            h("th", {}, grid.name),
            ...HOURS.map((hour) => {
              const key = `${grid.grid_id}:${hour}`;
              const cell = cells.get(key);
              const strength = cell && cell.score > 0 ? Math.min(1, cell.score / top) : 0;
              const td = h(
                "td",
                {
                  class: recommended.has(key) ? "recommended" : "",
                  title: cell
                    ? `${tt("training.incidents")} ${cell.incidents} · ${tt("training.presence")} ${cell.presence_minutes}`
                    : "",
                },
                cell ? `${cell.incidents}/${cell.presence_minutes}` : "",
              );
              td.style.background = strength ? `rgba(220, 38, 38, ${0.15 + 0.75 * strength})` : "";
              return td;
            }),
          ),
        ),
      ),
    );
    const windows = table(
      [
        tt("training.grid"),
        tt("training.window"),
        tt("training.incidents"),
        tt("training.presence"),
        tt("training.score"),
        "",
      ],
      spots.windows.map((w) => [
        names.get(w.grid_id) ?? w.grid_id,
        `${w.from}–${w.to}`,
        w.incidents,
        w.presence_minutes,
        w.score.toFixed(3),
        h(
          "button",
          {
            type: "button",
            "data-recommendation": w.recommendation_id,
            onclick: () =>
              void this.rosterFrom(names.get(w.grid_id) ?? w.grid_id, w).catch((error: unknown) =>
                this.fail(error),
              ),
          },
          tt("training.make_roster"),
        ),
      ]),
    );
    replaceChildren(
      this.hotspots,
      h("p", { class: "muted" }, tt("training.legend")),
      spots.grids.length ? heat : h("p", { class: "muted" }, tt("training.none")),
      h("h4", {}, tt("training.recommended")),
      windows,
    );
  }

  private async rosterFrom(gridName: string, window: Hotspots["windows"][number]): Promise<void> {
    const orgs = await this.api.teams();
    const teams = orgs.orgs.filter((org) => org.kind === "team").map((org) => org.org_id);
    const name = tt("training.roster_name", { grid: gridName, from: window.from, to: window.to });
    const roster = await this.api.rosterFromHotspot(
      name.slice(0, 100),
      teams.slice(0, 200),
      window.recommendation_id,
    );
    this.notice.textContent = tt("training.roster_made", {
      name: roster.name,
      count: roster.generated.length,
    });
    await Promise.all([this.loadRosters(), this.loadHours()]);
  }
}
