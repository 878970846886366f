// The communication screen's own connection to /stream (a member may hold up to three): group
// messages, drawings and new groups, bulletins; opened with a single-use ticket, reopened with a
// fresh one and the last event id after a growing pause (as the console's main stream is).
import { API_PREFIX, type Api } from "../api";

export const COMMS_EVENTS = [
  "shouwang.group.message",
  "shouwang.group.drawing",
  "shouwang.group.created",
  "shouwang.bulletin.published",
] as const;
export type CommsEvent = (typeof COMMS_EVENTS)[number];

export class CommsStream {
  private source: EventSource | null = null;
  private lastEventId = "";
  private pauseMs = 1000;
  private timer: number | undefined;
  private stopped = true;

  constructor(
    private readonly api: Api,
    private readonly handle: (type: CommsEvent, data: Record<string, unknown>) => void,
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

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let ticket: string;
    try {
      ticket = await this.api.streamTicket();
    } catch {
      return this.retryLater();
    }
    if (this.stopped) return;
    const query = new URLSearchParams({ ticket });
    if (this.lastEventId) query.set("last_event_id", this.lastEventId);
    const source = new EventSource(`${API_PREFIX}/stream?${query}`);
    this.source = source;
    source.onopen = () => (this.pauseMs = 1000);
    source.onerror = () => {
      source.close();
      if (this.source === source) this.source = null;
      this.retryLater();
    };
    for (const type of COMMS_EVENTS) {
      source.addEventListener(type, (event) => {
        if (event.lastEventId) this.lastEventId = event.lastEventId;
        this.handle(type, JSON.parse(event.data));
      });
    }
  }

  private retryLater(): void {
    if (this.stopped) return;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.connect(), this.pauseMs);
    this.pauseMs = Math.min(30_000, this.pauseMs * 2);
  }
}
