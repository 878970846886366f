// The console's one client of the public HTTP API (/api/v1), typed by the shapes generated from
// the OpenAPI document. It holds the session: the access token in memory only, the refresh
// token in sessionStorage (this tab), refreshed before the access token expires and once more
// on a 401; tokens go in the Authorization header, never in a URL.
import type { Problem, Schemas } from "../../shared/schema";

export const API_PREFIX = "/api/v1";
const REFRESH_KEY = "shouwang.console.refresh";
// Refresh when this share of the access token's life has passed.
const REFRESH_AT = 0.8;

export type Session = Schemas["Session"];
export type Member = Schemas["MemberView"];
export type LiveMembers = Schemas["LiveMembers"];
export type LiveMember = Schemas["LiveMemberFeature"];
export type Grid = Schemas["GridFeatureView"];
export type TaskDraft = Schemas["TaskDraft"];
export type Task = Schemas["TaskView"];
export type TaskSummary = Schemas["TaskSummary"];
export type TaskPage = Schemas["TaskPage"];
export type TaskStatus = Schemas["TaskStatus"];
export type Report = Schemas["ReportView"];
export type ReportPage = Schemas["ReportPage"];
export type ReportStatus = Schemas["ReportStatus"];
export type MemberPage = Schemas["MemberPage"];
export type MemberStatus = Schemas["MemberStatus"];
export type Org = Schemas["OrgView"];
export type ResponseStats = Schemas["ResponseStats"];
export type Activity = Schemas["Activity"];
export type CoverageMap = Schemas["CoverageMap"];
export interface StatsRange {
  from: string;
  to: string;
  org_id?: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem>,
  ) {
    super(problem.detail || problem.title || `HTTP ${status}`);
  }

  /** The first field error, as "field: message", or the detail. */
  get explanation(): string {
    const first = this.problem.errors?.[0];
    return first ? `${first.field}: ${first.message}` : this.message;
  }
}

type Query = Record<string, string | number | undefined | null>;

export class Api {
  private access: string | null = null;
  /** The newest token pair's session (its member and expiry). */
  session: Session | null = null;
  private refreshTimer: number | undefined;
  private refreshing: Promise<boolean> | null = null;
  /** Called when the session ends (logout, or a refresh the server refused). */
  onSignedOut: () => void = () => {};

  get signedIn(): boolean {
    return this.access !== null;
  }

  async login(phone: string, password: string): Promise<Session> {
    const session = await this.request<Session>("POST", "/auth/login", {
      body: { phone, password },
      anonymous: true,
    });
    this.keep(session);
    return session;
  }

  /** Resume the tab's session from its refresh token, if it has one the server still takes. */
  async resume(): Promise<boolean> {
    if (!sessionStorage.getItem(REFRESH_KEY)) return false;
    return this.refresh();
  }

  async logout(): Promise<void> {
    const refresh_token = sessionStorage.getItem(REFRESH_KEY);
    if (this.access && refresh_token) {
      await this.request("POST", "/auth/logout", { body: { refresh_token } }).catch(() => {});
    }
    this.forget();
  }

  liveMembers(bbox: [number, number, number, number]): Promise<LiveMembers> {
    return this.request("GET", "/live/members", { query: { bbox: bbox.join(",") } });
  }

  async allGrids(): Promise<Grid[]> {
    const grids: Grid[] = [];
    let cursor: string | null = null;
    do {
      const page: Schemas["GridCollection"] = await this.request("GET", "/grids", {
        query: { limit: 200, cursor },
      });
      grids.push(...page.features);
      cursor = page.next_cursor;
    } while (cursor);
    return grids;
  }

  async allOrgs(): Promise<Org[]> {
    const orgs: Org[] = [];
    let cursor: string | null = null;
    do {
      const page: Schemas["OrgPage"] = await this.request("GET", "/orgs", {
        query: { limit: 200, cursor },
      });
      orgs.push(...page.orgs);
      cursor = page.next_cursor;
    } while (cursor);
    return orgs;
  }

  tasks(query: {
    status?: TaskStatus | "";
    cursor?: string | null;
    limit?: number;
  }): Promise<TaskPage> {
    return this.request("GET", "/tasks", { query: { ...query, status: query.status || null } });
  }

  task(taskId: string): Promise<Task> {
    return this.request("GET", `/tasks/${encodeURIComponent(taskId)}`);
  }

  createTask(draft: TaskDraft): Promise<Task> {
    return this.request("POST", "/tasks", { body: draft, idempotencyKey: crypto.randomUUID() });
  }

  cancelTask(taskId: string): Promise<Task> {
    return this.request("POST", `/tasks/${encodeURIComponent(taskId)}/cancel`);
  }

  confirmTask(taskId: string): Promise<Task> {
    return this.request("POST", `/tasks/${encodeURIComponent(taskId)}/confirm`);
  }

  reports(query: { status?: ReportStatus | ""; cursor?: string | null }): Promise<ReportPage> {
    return this.request("GET", "/reports", { query: { ...query, status: query.status || null } });
  }

  reviewReport(reportId: string, review: Schemas["ReportReview"]): Promise<Report> {
    return this.request("POST", `/reports/${encodeURIComponent(reportId)}/review`, {
      body: review,
    });
  }

  members(query: { status?: MemberStatus; cursor?: string | null }): Promise<MemberPage> {
    return this.request("GET", "/members", { query });
  }

  verifyMember(memberId: string, verdict: Schemas["Verdict"]): Promise<Member> {
    return this.request("POST", `/members/${encodeURIComponent(memberId)}/verify`, {
      body: verdict,
    });
  }

  suspendMember(memberId: string): Promise<Member> {
    return this.request("POST", `/members/${encodeURIComponent(memberId)}/suspend`);
  }

  setRoles(memberId: string, assignment: Schemas["RoleAssignment"]): Promise<Member> {
    return this.request("POST", `/members/${encodeURIComponent(memberId)}/roles`, {
      body: assignment,
    });
  }

  responseStats(range: StatsRange): Promise<ResponseStats> {
    return this.request("GET", "/stats/response", { query: { ...range } });
  }

  activity(range: StatsRange & { bucket: "hour" | "day" }): Promise<Activity> {
    return this.request("GET", "/stats/activity", { query: { ...range } });
  }

  coverage(minutes: 1 | 3 | 5, mode: "walk" | "ebike"): Promise<CoverageMap> {
    return this.request("GET", "/live/coverage", { query: { minutes, mode } });
  }

  /** A photo as an object URL (media needs the bearer header, so no plain <img src>). */
  async mediaUrl(mediaId: string): Promise<string> {
    const response = await this.fetchWithSession("GET", `/media/${encodeURIComponent(mediaId)}`);
    if (!response.ok) throw await problemOf(response);
    return URL.createObjectURL(await response.blob());
  }

  async streamTicket(): Promise<string> {
    const reply = await this.request<Schemas["StreamTicket"]>("POST", "/stream/tickets");
    return reply.ticket;
  }

  /** Any call of the API, for a screen's own typed client (training/training-api.ts). */
  call<T>(
    method: string,
    path: string,
    options: { body?: unknown; query?: Query; idempotencyKey?: string } = {},
  ): Promise<T> {
    return this.request<T>(method, path, options);
  }

  // Transport -------------------------------------------------------------------------------

  private async request<T>(
    method: string,
    path: string,
    options: { body?: unknown; query?: Query; anonymous?: boolean; idempotencyKey?: string } = {},
  ): Promise<T> {
    const response = await this.fetchWithSession(
      method,
      path + queryString(options.query),
      options,
    );
    if (!response.ok) throw await problemOf(response);
    return (await response.json()) as T;
  }

  private async fetchWithSession(
    method: string,
    path: string,
    options: { body?: unknown; anonymous?: boolean; idempotencyKey?: string } = {},
  ): Promise<Response> {
    const send = () => {
      const headers: Record<string, string> = {};
      if (options.body !== undefined) headers["Content-Type"] = "application/json";
      if (options.idempotencyKey) headers["Idempotency-Key"] = options.idempotencyKey;
      if (!options.anonymous && this.access) headers["Authorization"] = `Bearer ${this.access}`;
      return fetch(API_PREFIX + path, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    };
    let response = await send();
    if (response.status === 401 && !options.anonymous && (await this.refresh())) {
      response = await send();
    }
    return response;
  }

  private refresh(): Promise<boolean> {
    // Concurrent 401s share one refresh: a refresh token is single-use.
    this.refreshing ??= this.doRefresh().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async doRefresh(): Promise<boolean> {
    const refresh_token = sessionStorage.getItem(REFRESH_KEY);
    if (!refresh_token) return false;
    const response = await fetch(API_PREFIX + "/auth/refresh", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token }),
    }).catch(() => null);
    if (response === null) return false; // offline: keep the tokens, try again later
    if (!response.ok) {
      this.forget();
      return false;
    }
    this.keep((await response.json()) as Session);
    return true;
  }

  private keep(session: Session): void {
    this.access = session.access_token;
    sessionStorage.setItem(REFRESH_KEY, session.refresh_token);
    window.clearTimeout(this.refreshTimer);
    this.refreshTimer = window.setTimeout(
      () => void this.refresh(),
      Math.max(5, session.expires_in * REFRESH_AT) * 1000,
    );
    this.session = session;
  }

  private forget(): void {
    const wasSignedIn = this.access !== null;
    this.access = null;
    this.session = null;
    sessionStorage.removeItem(REFRESH_KEY);
    window.clearTimeout(this.refreshTimer);
    if (wasSignedIn) this.onSignedOut();
  }
}

function queryString(query: Query | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

async function problemOf(response: Response): Promise<ApiError> {
  const problem = (await response.json().catch(() => ({}))) as Partial<Problem>;
  return new ApiError(response.status, problem);
}
