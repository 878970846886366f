// The console's one connection to /stream (Server-Sent Events). EventSource cannot send headers,
// so each connection is opened with a single-use ticket from POST /stream/tickets; the browser's
// own reconnection would reuse a spent ticket, so reconnection is done here, with a fresh ticket
// and the last event id, after a growing pause.
import { API_PREFIX, type Api } from "./api";

export const TASK_EVENTS = [
  "shouwang.task.created",
  "shouwang.task.offered",
  "shouwang.task.claimed",
  "shouwang.task.declined",
  "shouwang.task.arrived",
  "shouwang.task.resolved",
  "shouwang.task.cancelled",
  "shouwang.task.expired",
  "shouwang.task.unfilled",
  "shouwang.task.closed",
] as const;
export const REPORT_EVENTS = [
  "shouwang.report.submitted",
  "shouwang.report.rejected",
  "shouwang.report.approved",
] as const;
export const POSITION_EVENT = "shouwang.location.updated";
export const RESET_EVENT = "stream.reset";

export interface Position {
  member_id: string;
  lat: number;
  lon: number;
  grid_id: string;
  team_id: string;
  at: string;
}

export interface StreamHandlers {
  task(type: string, data: { task_id: string; member_id?: string }): void;
  report(type: string, data: { report_id: string }): void;
  position(position: Position): void;
  /** Connected (again): anything missed beyond the resume window must be reloaded. */
  connected(resumed: boolean): void;
  disconnected(): void;
}

const MAX_PAUSE_MS = 30_000;

export class Stream {
  private source: EventSource | null = null;
  private lastEventId = "";
  private pauseMs = 1000;
  private timer: number | undefined;
  private stopped = true;

  constructor(
    private readonly api: Api,
    private readonly handlers: StreamHandlers,
  ) {}

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.timer);
    this.source?.close();
    this.source = null;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let ticket: string;
    try {
      ticket = await this.api.streamTicket();
    } catch {
      this.retryLater();
      return;
    }
    if (this.stopped) return;
    const query = new URLSearchParams({ ticket });
    if (this.lastEventId) query.set("last_event_id", this.lastEventId);
    const source = new EventSource(`${API_PREFIX}/stream?${query}`);
    this.source = source;
    let resumed = this.lastEventId !== "";
    source.onopen = () => {
      this.pauseMs = 1000;
      this.handlers.connected(resumed);
    };
    source.onerror = () => {
      source.close();
      if (this.source === source) this.source = null;
      this.handlers.disconnected();
      this.retryLater();
    };
    const remember = (event: MessageEvent) => {
      if (event.lastEventId) this.lastEventId = event.lastEventId;
    };
    for (const type of TASK_EVENTS) {
      source.addEventListener(type, (event) => {
        remember(event);
        this.handlers.task(type, JSON.parse(event.data));
      });
    }
    for (const type of REPORT_EVENTS) {
      source.addEventListener(type, (event) => {
        remember(event);
        this.handlers.report(type, JSON.parse(event.data));
      });
    }
    source.addEventListener(POSITION_EVENT, (event) => {
      this.handlers.position(JSON.parse(event.data) as Position);
    });
    source.addEventListener(RESET_EVENT, (event) => {
      remember(event);
      resumed = false;
      this.handlers.connected(false);
    });
  }

  private retryLater(): void {
    if (this.stopped) return;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.connect(), this.pauseMs);
    this.pauseMs = Math.min(MAX_PAUSE_MS, this.pauseMs * 2);
  }
}
