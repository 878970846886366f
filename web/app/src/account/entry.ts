// Signing in and registering. Registration shows the consent text and records its version with
// the acceptance; each refusal the API names (problem+json `errors`) is shown beside its field.
import { h, replaceChildren } from "../../../shared/dom";
import type { Lang } from "../../../shared/i18n";
import { ApiError, type Api, type Session } from "../api";
import type { T } from "../i18n";

/** The consent text shown is this version's (its words are the messages consent.*). */
export const CONSENT_VERSION = "2026-11";

export function loginView(
  api: Api,
  t: T,
  lang: Lang,
  signedIn: (session: Session) => void,
  register: () => void,
  phone = "",
): HTMLElement {
  const problem = h("p", { class: "field-error", role: "alert" });
  const form = h(
    "form",
    { class: "entry login" },
    h("h1", {}, t("app.name")),
    h("p", { class: "muted" }, t("login.subtitle")),
    h(
      "label",
      {},
      t("field.phone"),
      h("input", { name: "phone", type: "tel", autocomplete: "tel", required: true, value: phone }),
    ),
    h(
      "label",
      {},
      t("field.password"),
      h("input", {
        name: "password",
        type: "password",
        autocomplete: "current-password",
        required: true,
      }),
    ),
    problem,
    h("button", { type: "submit", class: "primary huge" }, t("login.submit")),
    h(
      "button",
      { type: "button", class: "ghost", onclick: register, "data-testid": "to-register" },
      t("login.register"),
    ),
    languageLink(lang),
  );
  form.onsubmit = async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    problem.textContent = "";
    try {
      signedIn(await api.login(String(data.get("phone")), String(data.get("password"))));
    } catch (error) {
      problem.textContent =
        error instanceof ApiError
          ? error.status === 401
            ? t("login.wrong")
            : error.message
          : t("error.offline");
    }
  };
  return form;
}

export function registerView(
  api: Api,
  t: T,
  lang: Lang,
  registered: (phone: string) => void,
  back: () => void,
): HTMLElement {
  const errors = new Map<string, HTMLElement>();
  const field = (name: string, input: HTMLInputElement, hint?: string) => {
    const error = h("span", { class: "field-error", "data-error-for": name });
    errors.set(name, error);
    return h(
      "label",
      {},
      t(`field.${name}` as never),
      input,
      hint ? h("small", { class: "muted" }, hint) : null,
      error,
    );
  };
  const consentError = h("span", { class: "field-error", "data-error-for": "consent" });
  errors.set("consent", consentError);
  const problem = h("p", { class: "field-error", role: "alert" });
  const form = h(
    "form",
    { class: "entry register", novalidate: true },
    h("h1", {}, t("register.title")),
    field("name", h("input", { name: "name", autocomplete: "name" })),
    field(
      "id_number",
      h("input", { name: "id_number", autocomplete: "off", maxlength: 18 }),
      t("register.id_hint"),
    ),
    field("phone", h("input", { name: "phone", type: "tel", autocomplete: "tel" })),
    field(
      "password",
      h("input", { name: "password", type: "password", autocomplete: "new-password" }),
      t("register.password_hint"),
    ),
    h(
      "div",
      { class: "consent", "data-consent-version": CONSENT_VERSION },
      h("h2", {}, t("consent.title")),
      h("p", {}, t("consent.body")),
      h("p", { class: "muted" }, t("consent.version", { version: CONSENT_VERSION })),
      h(
        "label",
        { class: "check" },
        h("input", { type: "checkbox", name: "consent" }),
        h("span", {}, t("consent.accept")),
      ),
      consentError,
    ),
    problem,
    h("button", { type: "submit", class: "primary huge" }, t("register.submit")),
    h("button", { type: "button", class: "ghost", onclick: back }, t("register.back")),
    languageLink(lang),
  );
  form.onsubmit = async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    for (const error of errors.values()) error.textContent = "";
    problem.textContent = "";
    const value = (name: string) => String(data.get(name) ?? "").trim();
    try {
      await api.register({
        name: value("name"),
        id_number: value("id_number").toUpperCase(),
        phone: value("phone"),
        password: String(data.get("password") ?? ""),
        consent: { version: CONSENT_VERSION, accepted: data.get("consent") === "on" },
      });
      registered(value("phone"));
    } catch (error) {
      if (!(error instanceof ApiError)) {
        problem.textContent = t("error.offline");
        return;
      }
      const unplaced: string[] = [];
      for (const [name, message] of error.fieldErrors) {
        const slot = errors.get(name);
        if (slot) slot.textContent = message;
        else unplaced.push(`${name}: ${message}`);
      }
      if (error.fieldErrors.size === 0 || unplaced.length) {
        problem.textContent = unplaced.join("; ") || error.message;
      }
      form
        .querySelector<HTMLElement>(".field-error:not(:empty)")
        ?.scrollIntoView({ block: "center" });
    }
  };
  return form;
}

export function pendingView(t: T, phone: string, toLogin: (phone: string) => void): HTMLElement {
  const view = h("div", { class: "entry" });
  replaceChildren(
    view,
    h("h1", {}, t("register.done_title")),
    h("p", { "data-testid": "registered" }, t("register.done")),
    h(
      "button",
      { type: "button", class: "primary huge", onclick: () => toLogin(phone) },
      t("login.submit"),
    ),
  );
  return view;
}

export function languageLink(lang: Lang): HTMLElement {
  const other = lang === "en" ? "?" : "?lang=en";
  return h("a", { href: other, class: "lang" }, lang === "en" ? "中文" : "English");
}
