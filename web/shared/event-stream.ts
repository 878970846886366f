// One connection to /stream (Server-Sent Events) for any client. EventSource cannot send headers,
// so each connection is opened with a single-use ticket (POST /stream/tickets); the browser's own
// reconnection would reuse a spent ticket, so reconnection is done here, with a fresh ticket and
// the last event id, after a growing pause.
import { API_PREFIX } from "./http";

export const RESET_EVENT = "stream.reset";
const MAX_PAUSE_MS = 30_000;

export interface EventStreamHandlers {
  /** An event of one of the listened types, its data parsed. */
  event(type: string, data: unknown): void;
  /** Connected (again): anything missed beyond the resume window must be reloaded. */
  connected(resumed: boolean): void;
  disconnected(): void;
}

export class EventStream {
  private source: EventSource | null = null;
  private lastEventId = "";
  private pauseMs = 1000;
  private timer: number | undefined;
  private stopped = true;

  constructor(
    private readonly ticket: () => Promise<string>,
    private readonly types: readonly string[],
    private readonly handlers: EventStreamHandlers,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.timer);
    this.source?.close();
    this.source = null;
  }

  /** Reconnect now rather than after the pause (the network just came back). */
  nudge(): void {
    if (this.stopped || this.source) return;
    this.pauseMs = 1000;
    window.clearTimeout(this.timer);
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let ticket: string;
    try {
      ticket = await this.ticket();
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
    for (const type of this.types) {
      source.addEventListener(type, (event) => {
        if (event.lastEventId) this.lastEventId = event.lastEventId;
        this.handlers.event(type, JSON.parse(event.data));
      });
    }
    source.addEventListener(RESET_EVENT, (event) => {
      if (event.lastEventId) this.lastEventId = event.lastEventId;
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
