// What every screen is built with: the one API client, store, outbox and duty, and the messages.
import type { Lang } from "../../shared/i18n";
import type { Api } from "./api";
import type { Duty } from "./duty/duty";
import type { T } from "./i18n";
import type { Outbox } from "./outbox/outbox";
import type { Store } from "./store";

export interface AppContext {
  api: Api;
  store: Store;
  outbox: Outbox;
  duty: Duty;
  t: T;
  lang: Lang;
}

/** A screen of the shell: its element, and what it reloads each time it is shown. */
export interface Screen {
  element: HTMLElement;
  shown(): void;
}
