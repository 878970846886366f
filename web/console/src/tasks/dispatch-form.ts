// The dispatch form for a drawn area: what, how urgent, to whom (the nearest N, everyone inside,
// or named members), how many, for how many points and how long → POST /tasks.
import { h } from "../../../shared/dom";
import type { Translate } from "../../../shared/i18n";
import { type Api, ApiError, type Task, type TaskDraft } from "../api";
import type { MessageKey } from "../i18n";
import type { Drawn } from "../map/draw";
import { distanceM, insideRing, type LatLon } from "../map/geometry";
import type { MemberOnMap, Store } from "../store";

export function dispatchForm(options: {
  api: Api;
  store: Store;
  t: Translate<MessageKey>;
  drawn: Drawn;
  onDispatched: (task: Task) => void;
  onAbandoned: () => void;
}): HTMLElement {
  const { api, store, t, drawn } = options;
  const inside = [...store.members.values()].filter((m) => within(drawn, m));
  const field = (label: string, input: HTMLElement) =>
    h("label", { class: "field" }, h("span", {}, label), input);
  const title = h("input", { name: "title", required: true, maxlength: 100, autocomplete: "off" });
  const kind = h("input", { name: "kind", maxlength: 40, autocomplete: "off" });
  const description = h("textarea", { name: "description", maxlength: 4000, rows: 2 });
  const priority = h(
    "select",
    { name: "priority" },
    h("option", { value: 1 }, t("priority.1")),
    h("option", { value: 2, selected: true }, t("priority.2")),
    h("option", { value: 3 }, t("priority.3")),
  );
  const mode = h(
    "select",
    { name: "target" },
    h("option", { value: "nearest", selected: true }, t("dispatch.nearest")),
    h("option", { value: "area" }, t("dispatch.everyone")),
    h("option", { value: "members" }, t("dispatch.named")),
  );
  const count = h("input", { name: "count", type: "number", min: 1, max: 100, value: 2 });
  const widen = h("input", { name: "widen", type: "checkbox" });
  const named = h(
    "select",
    { name: "members", multiple: true, size: Math.min(6, Math.max(2, inside.length)) },
    ...inside.map((m) => h("option", { value: m.member_id }, m.name || m.member_id)),
  );
  const capacity = h("input", { name: "capacity", type: "number", min: 1, max: 1000, value: 1 });
  const points = h("input", { name: "points", type: "number", min: 0, max: 10000, value: 10 });
  const expires = h("input", { name: "expires", type: "number", min: 1, max: 1440, value: 30 });
  const error = h("p", { class: "error", role: "alert" });
  const nearestFields = h(
    "div",
    { class: "row" },
    field(t("dispatch.count"), count),
    h("label", { class: "check" }, widen, t("dispatch.widen")),
  );
  const namedFields = field(t("dispatch.named_pick"), named);
  const showTargetFields = () => {
    nearestFields.hidden = mode.value !== "nearest";
    namedFields.hidden = mode.value !== "members";
  };
  mode.addEventListener("change", showTargetFields);
  showTargetFields();

  const submit = h("button", { type: "submit", class: "primary" }, t("dispatch.send"));
  const form = h(
    "form",
    { class: "panel dispatch", "aria-label": t("dispatch.title") },
    h("h2", {}, t("dispatch.title")),
    h("p", { class: "muted" }, t("dispatch.inside", { count: inside.length })),
    field(t("dispatch.task_title"), title),
    h(
      "div",
      { class: "row" },
      field(t("dispatch.priority"), priority),
      field(t("dispatch.kind"), kind),
    ),
    field(t("dispatch.description"), description),
    field(t("dispatch.target"), mode),
    nearestFields,
    namedFields,
    h(
      "div",
      { class: "row" },
      field(t("dispatch.capacity"), capacity),
      field(t("dispatch.points"), points),
      field(t("dispatch.expires"), expires),
    ),
    error,
    h(
      "div",
      { class: "actions" },
      submit,
      h("button", { type: "button", onclick: () => options.onAbandoned() }, t("common.cancel")),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const draft: TaskDraft = {
      title: title.value.trim(),
      kind: kind.value.trim(),
      description: description.value.trim(),
      priority: Number(priority.value),
      location: drawn.location,
      area: drawn.area,
      target: targetOf(
        mode.value,
        Number(count.value),
        [...named.selectedOptions].map((o) => o.value),
      ),
      capacity: Number(capacity.value),
      points: Number(points.value),
      expires_in_s: Math.round(Number(expires.value) * 60),
      widen: mode.value === "nearest" ? widen.checked : null,
    };
    submit.disabled = true;
    error.textContent = "";
    api
      .createTask(draft)
      .then((task) => options.onDispatched(task))
      .catch((failure: unknown) => {
        error.textContent = failure instanceof ApiError ? failure.explanation : t("common.failed");
        submit.disabled = false;
      });
  });
  queueMicrotask(() => title.focus());
  return form;
}

function targetOf(mode: string, count: number, memberIds: string[]): TaskDraft["target"] {
  if (mode === "area") return { mode: "area" };
  if (mode === "members") return { mode: "members", member_ids: memberIds };
  return { mode: "nearest", count };
}

function within(drawn: Drawn, member: MemberOnMap): boolean {
  const point: LatLon = { lat: member.lat, lon: member.lon };
  const area = drawn.area;
  if ("radius_m" in area) return distanceM(area.center, point) <= area.radius_m;
  return insideRing(point, area.coordinates[0] ?? []);
}
