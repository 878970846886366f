// A client's session with the public HTTP API (/api/v1): the access token in memory only, the
// refresh token in the storage the client picks (the app keeps it across restarts, a console tab
// for itself), refreshed before the access token expires and once more on a 401. Tokens go in
// the Authorization header, never in a URL. A request that cannot reach the server rejects with
// `Unreachable`, so callers can tell "offline" from "refused".
import type { Problem, Schemas } from "./schema";

export const API_PREFIX = "/api/v1";
// Refresh when this share of the access token's life has passed.
const REFRESH_AT = 0.8;

export type Session = Schemas["Session"];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem>,
  ) {
    super(problem.detail || problem.title || `HTTP ${status}`);
  }

  /** The message of each field named in the problem's `errors`. */
  get fieldErrors(): Map<string, string> {
    const fields = new Map<string, string>();
    for (const error of this.problem.errors ?? []) {
      const field = error.field.split(/[.[]/)[0] ?? error.field;
      if (!fields.has(field)) fields.set(field, error.message);
    }
    return fields;
  }
}

/** The network did not answer (offline, or the server is down): worth trying again later. */
export class Unreachable extends Error {}

type RefreshOutcome = "renewed" | "refused" | "unreachable";

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  body?: unknown;
  /** A body sent as it is (a multipart upload), with its content type. */
  raw?: { body: Blob; contentType: string };
  query?: Query;
  anonymous?: boolean;
  idempotencyKey?: string;
}

export class Transport {
  private access: string | null = null;
  /** The newest token pair's session (its member and expiry). */
  session: Session | null = null;
  private refreshTimer: number | undefined;
  private refreshing: Promise<RefreshOutcome> | null = null;
  /** Called when the session ends (logout, or a refresh the server refused). */
  onSignedOut: () => void = () => {};

  constructor(
    private readonly storage: Storage,
    private readonly refreshKey: string,
  ) {}

  get signedIn(): boolean {
    return this.access !== null;
  }

  /** A refresh token is kept: the session may be resumed once the network answers. */
  get resumable(): boolean {
    return this.storage.getItem(this.refreshKey) !== null;
  }

  async login(phone: string, password: string): Promise<Session> {
    const session = await this.request<Session>("POST", "/auth/login", {
      body: { phone, password },
      anonymous: true,
    });
    this.keep(session);
    return session;
  }

  /** Resume the stored session; false when there is none or the server refused it, and
   * `Unreachable` when the server could not be asked. */
  async resume(): Promise<boolean> {
    if (!this.resumable) return false;
    const outcome = await this.refreshOutcome();
    if (outcome === "unreachable") throw new Unreachable("offline");
    return outcome === "renewed";
  }

  async logout(): Promise<void> {
    const refresh_token = this.storage.getItem(this.refreshKey);
    if (this.access && refresh_token) {
      await this.request("POST", "/auth/logout", { body: { refresh_token } }).catch(() => {});
    }
    this.forget();
  }

  /** Ends the session here without asking the server (it already ended it). */
  forget(): void {
    const wasSignedIn = this.access !== null || this.resumable;
    this.access = null;
    this.session = null;
    this.storage.removeItem(this.refreshKey);
    window.clearTimeout(this.refreshTimer);
    if (wasSignedIn) this.onSignedOut();
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.fetchWithSession(
      method,
      path + queryString(options.query),
      options,
    );
    if (!response.ok) throw await problemOf(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  async fetchWithSession(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<Response> {
    // A session resumed without a network has no access token yet: renew it first.
    if (!options.anonymous && this.access === null && this.resumable) await this.refresh();
    const send = async () => {
      const headers: Record<string, string> = {};
      if (options.raw) headers["Content-Type"] = options.raw.contentType;
      else if (options.body !== undefined) headers["Content-Type"] = "application/json";
      if (options.idempotencyKey) headers["Idempotency-Key"] = options.idempotencyKey;
      if (!options.anonymous && this.access) headers["Authorization"] = `Bearer ${this.access}`;
      const body = options.raw
        ? options.raw.body
        : options.body === undefined
          ? undefined
          : JSON.stringify(options.body);
      // The phone knows it has no network: do not even try (the outbox retries when it returns).
      if (!navigator.onLine) throw new Unreachable(`${method} ${path}: offline`);
      try {
        return await fetch(API_PREFIX + path, { method, headers, body });
      } catch {
        throw new Unreachable(`${method} ${path}: no answer`);
      }
    };
    let response = await send();
    if (response.status === 401 && !options.anonymous && (await this.refresh())) {
      response = await send();
    }
    return response;
  }

  refresh(): Promise<boolean> {
    return this.refreshOutcome().then((outcome) => outcome === "renewed");
  }

  private refreshOutcome(): Promise<RefreshOutcome> {
    // Concurrent 401s share one refresh: a refresh token is single-use.
    this.refreshing ??= this.doRefresh().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async doRefresh(): Promise<RefreshOutcome> {
    const refresh_token = this.storage.getItem(this.refreshKey);
    if (!refresh_token) return "refused";
    if (!navigator.onLine) return "unreachable";
    const response = await fetch(API_PREFIX + "/auth/refresh", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token }),
    }).catch(() => null);
    if (response === null || response.status >= 500) return "unreachable"; // keep the tokens
    if (!response.ok) {
      this.forget();
      return "refused";
    }
    this.keep((await response.json()) as Session);
    return "renewed";
  }

  /** A fresh pair the server handed out (a password change ends every older token). */
  adopt(session: Session): void {
    this.keep(session);
  }

  private keep(session: Session): void {
    this.access = session.access_token;
    this.storage.setItem(this.refreshKey, session.refresh_token);
    window.clearTimeout(this.refreshTimer);
    this.refreshTimer = window.setTimeout(
      () => void this.refresh(),
      Math.max(5, session.expires_in * REFRESH_AT) * 1000,
    );
    this.session = session;
  }
}

export function queryString(query: Query | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

export async function problemOf(response: Response): Promise<ApiError> {
  const problem = (await response.json().catch(() => ({}))) as Partial<Problem>;
  return new ApiError(response.status, problem);
}
