// Sign-in for officers and administrators; other members are told to use the app.
import { h } from "../../../shared/dom";
import type { Translate } from "../../../shared/i18n";
import { type Api, ApiError, type Session } from "../api";
import type { MessageKey } from "../i18n";

const CONSOLE_ROLES = new Set(["officer", "admin"]);

/** The demo officer's sign-in, in /config.json while `shouwang up` runs its simulated night. */
interface DemoHint {
  officer: string;
  name: string;
  phone: string;
  password: string;
}

export function mayUseConsole(session: Session): boolean {
  return session.member.roles.some((role) => CONSOLE_ROLES.has(role));
}

export function loginView(
  api: Api,
  t: Translate<MessageKey>,
  onSignedIn: (session: Session) => void,
): HTMLElement {
  const phone = h("input", {
    name: "phone",
    type: "tel",
    autocomplete: "username",
    required: true,
    maxlength: 32,
  });
  const password = h("input", {
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
    maxlength: 128,
  });
  const error = h("p", { class: "error", role: "alert" });
  const demo = h("p", { class: "demo-hint muted small", hidden: true });
  const submit = h("button", { type: "submit", class: "primary" }, t("login.submit"));
  const form = h(
    "form",
    { class: "login panel", "aria-label": t("login.title") },
    h("h1", {}, t("app.name")),
    h("p", { class: "muted" }, t("login.subtitle")),
    h("label", { class: "field" }, h("span", {}, t("login.phone")), phone),
    h("label", { class: "field" }, h("span", {}, t("login.password")), password),
    error,
    submit,
    h("p", { class: "muted small" }, t("login.hint")),
    demo,
  );
  void demoHint().then((hint) => {
    if (!hint) return;
    const use = h("button", { type: "button", class: "link" }, t("login.demo_use"));
    use.addEventListener("click", () => {
      phone.value = hint.phone;
      password.value = hint.password;
      submit.focus();
    });
    demo.replaceChildren(
      `${t("login.demo")} ${hint.officer} (${hint.name}): ${hint.phone} / ${hint.password} `,
      use,
    );
    demo.hidden = false;
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit.disabled = true;
    error.textContent = "";
    api
      .login(phone.value.trim(), password.value)
      .then(async (session) => {
        if (!mayUseConsole(session)) {
          await api.logout();
          error.textContent = t("login.not_officer");
          return;
        }
        onSignedIn(session);
      })
      .catch((failure: unknown) => {
        error.textContent =
          failure instanceof ApiError && failure.status === 401
            ? t("login.wrong")
            : failure instanceof ApiError
              ? failure.explanation
              : t("common.failed");
      })
      .finally(() => (submit.disabled = false));
  });
  queueMicrotask(() => phone.focus());
  return h("main", { class: "login-page" }, form);
}

async function demoHint(): Promise<DemoHint | null> {
  try {
    const response = await fetch("config.json", { headers: { Accept: "application/json" } });
    if (!response.ok) return null;
    const config = (await response.json()) as { demo?: DemoHint | null };
    return config.demo ?? null;
  } catch {
    return null; // no hint is no loss: the terminal printed the same
  }
}
