// The statistics as CSV: the 1-3-5 shares and response times first, then one row per bucket
// (tasks by status, reports by category, members on duty, patrol hours). RFC 4180 quoting and a
// byte-order mark, so spreadsheet programs read the Chinese headers as UTF-8.
import type { Activity, ResponseStats } from "../api";
import type { StatsKey } from "./messages";

interface Names {
  status: (status: string) => string;
  category: (category: string) => string;
  label: (key: StatsKey) => string;
  statuses: readonly string[];
  categories: readonly string[];
}

function cell(value: string | number | null): string {
  const text = value === null ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function line(values: (string | number | null)[]): string {
  return values.map(cell).join(",");
}

export function activityCsv(response: ResponseStats, activity: Activity, names: Names): string {
  const lines: string[] = [];
  for (const share of response.on_scene_within) {
    lines.push(
      line([
        names.label("stats.headline"),
        `${share.minutes} min`,
        share.share,
        share.tasks,
        response.measured,
      ]),
    );
  }
  const distributions: [StatsKey, ResponseStats["offer_to_claim"]][] = [
    ["stats.offer_to_claim", response.offer_to_claim],
    ["stats.claim_to_arrival", response.claim_to_arrival],
    ["stats.dispatch_to_arrival", response.dispatch_to_arrival],
  ];
  lines.push(line(["", names.label("stats.count"), "p50_s", "p90_s"]));
  for (const [key, d] of distributions) {
    lines.push(line([names.label(key), d.count, d.p50_s, d.p90_s]));
  }
  lines.push("");
  lines.push(
    line([
      names.label("stats.start"),
      ...names.statuses.map(names.status),
      ...names.categories.map(names.category),
      names.label("stats.members_on_duty"),
      names.label("stats.patrol_hours"),
    ]),
  );
  for (const bucket of activity.buckets) {
    lines.push(
      line([
        bucket.start,
        ...names.statuses.map((s) => bucket.tasks_by_status[s] ?? 0),
        ...names.categories.map((c) => bucket.reports_by_category[c] ?? 0),
        bucket.members_on_duty,
        bucket.patrol_hours,
      ]),
    );
  }
  return "\ufeff" + lines.join("\r\n") + "\r\n";
}

/** Save ``text`` as a file the browser downloads. */
export function download(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.click();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}
