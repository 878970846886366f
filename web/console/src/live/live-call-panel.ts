// "Watch live" (实时视频) in the console: a column beside the live map with the member's rear
// camera and voice, the officer's microphone back, a quality indicator read from getStats and an
// end button, while the member's dot keeps moving on the map and their last position shows
// here. Opened from a claimant in a task's panel or from a member clicked on the map (any
// element with `data-watch-live` and `data-member-id`, optionally `data-task-id`); the call's
// WebRTC and signalling are web/shared/live-call.ts, its events come on a stream of its own.
import "./live.css";
import { h, replaceChildren } from "../../../shared/dom";
import { EventStream } from "../../../shared/event-stream";
import {
  describeQuality,
  LIVE_CALL_EVENTS,
  LiveCall,
  type LiveCallEvent,
  type LiveCallView,
  type Quality,
} from "../../../shared/live-call";
import { type Api, ApiError } from "../api";
import { MEMBER_CLICKED } from "../map/members-layer";
import type { MemberOnMap, Store } from "../store";
import { lt, type LiveKey } from "./messages";

const POSITION_EVERY_MS = 1000;

export class LiveCallPanel {
  readonly element = h("section", {
    class: "live-call",
    hidden: true,
    "data-testid": "live-call",
  });
  private readonly video = h("video", {
    class: "live-video",
    autoplay: true,
    playsinline: true,
    "data-testid": "live-video",
  }) as HTMLVideoElement;
  private readonly status = h("p", { class: "live-status", "data-testid": "live-status" });
  private readonly quality = h("span", {
    class: "live-quality",
    "data-level": "none",
    "data-testid": "live-quality",
  });
  private readonly position = h("p", { class: "muted live-position" });
  private readonly mic = h("p", { class: "muted live-mic" });
  private readonly endButton = h(
    "button",
    { type: "button", class: "danger", "data-testid": "live-end" },
    lt("live.end"),
  );
  private call: LiveCall | null = null;
  private memberId = "";
  private positionTimer: number | undefined;
  private readonly stream: EventStream;

  constructor(
    private readonly api: Api,
    private readonly store: Store,
    /** The column changed the map's width: the map must measure itself again. */
    private readonly resized: () => void,
  ) {
    this.endButton.addEventListener("click", () => void this.end());
    document.addEventListener("click", (event) => {
      const trigger = (event.target as Element | null)?.closest<HTMLElement>("[data-watch-live]");
      if (!trigger?.dataset.memberId) return;
      event.preventDefault();
      void this.watch(trigger.dataset.memberId, trigger.dataset.taskId || null);
    });
    document.addEventListener(MEMBER_CLICKED, (event) => {
      const { memberId } = (event as CustomEvent<{ memberId: string }>).detail;
      this.showMember(memberId);
    });
    // Its own connection (a member may hold three): calls are rare, their signals urgent.
    this.stream = new EventStream(() => api.streamTicket(), LIVE_CALL_EVENTS, {
      event: (type, data) => this.call?.deliver(type, data as LiveCallEvent),
      connected: () => {},
      disconnected: () => {},
    });
    this.stream.start();
  }

  /** Ask the member for live video and show the call beside the map. */
  async watch(memberId: string, taskId: string | null): Promise<void> {
    if (this.call && this.call.state !== "ended") {
      this.say(lt("live.busy"));
      return;
    }
    this.open(memberId);
    this.say(lt("live.ringing"));
    let view: LiveCallView;
    try {
      view = await this.api.call<LiveCallView>("POST", "/live-calls", {
        body: { member_id: memberId, ...(taskId ? { task_id: taskId } : {}) },
      });
    } catch (error) {
      this.say(error instanceof ApiError ? error.explanation : String(error));
      this.element.dataset.state = "refused";
      return;
    }
    const call = new LiveCall(
      { send: (method, path, body) => this.api.call(method, path, { body }) },
      view,
      "officer",
      {
        state: (state, reason) => this.showState(state, reason),
        remoteStream: (stream) => {
          if (this.video.srcObject !== stream) this.video.srcObject = stream;
          void this.video.play().catch(() => {});
        },
        quality: (quality) => this.showQuality(quality),
      },
    );
    this.call = call;
    this.element.dataset.callId = view.call_id;
    this.element.dataset.state = call.state;
    try {
      await call.useMicrophone();
      this.mic.textContent = lt("live.mic_on");
    } catch {
      this.mic.textContent = lt("live.mic_off"); // they still see; they cannot hear
    }
  }

  /** A member clicked on the map: who they are, where, and the button to watch them live. */
  showMember(memberId: string): void {
    if (this.call && this.call.state !== "ended") return; // the open call keeps the column
    this.call = null;
    const member = this.store.members.get(memberId);
    this.memberId = memberId;
    delete this.element.dataset.state;
    delete this.element.dataset.callId;
    this.endButton.textContent = lt("live.close");
    replaceChildren(
      this.element,
      h("header", {}, h("h2", {}, member?.name || memberId), this.endButton),
      this.position,
      h(
        "button",
        {
          type: "button",
          class: "primary",
          "data-watch-live": "",
          "data-member-id": memberId,
          "data-testid": "watch-live",
        },
        lt("live.watch"),
      ),
    );
    this.element.hidden = false;
    this.resized();
    this.followPosition();
  }

  private followPosition(): void {
    window.clearInterval(this.positionTimer);
    this.showPosition(this.store.members.get(this.memberId));
    this.positionTimer = window.setInterval(
      () => this.showPosition(this.store.members.get(this.memberId)),
      POSITION_EVERY_MS,
    );
  }

  private open(memberId: string): void {
    this.memberId = memberId;
    const member = this.store.members.get(memberId);
    delete this.video.dataset.firstFrameAt;
    this.video.srcObject = null;
    this.quality.dataset.level = "none";
    this.quality.textContent = lt("live.quality.none");
    this.mic.textContent = "";
    this.endButton.textContent = lt("live.end");
    replaceChildren(
      this.element,
      h(
        "header",
        {},
        h("h2", {}, lt("live.title")),
        h("span", { class: "live-who" }, member?.name || memberId),
      ),
      this.video,
      h("div", { class: "live-bar" }, this.quality, this.endButton),
      this.status,
      this.position,
      this.mic,
      h("p", { class: "muted" }, lt("live.not_recorded")),
    );
    this.watchFirstFrame();
    this.element.hidden = false;
    this.resized();
    this.followPosition();
  }

  /** When the first frame was shown (epoch ms), for tests and the benchmark to read. */
  private watchFirstFrame(): void {
    const video = this.video;
    const mark = () => {
      if (!video.dataset.firstFrameAt) video.dataset.firstFrameAt = String(Date.now());
    };
    // requestVideoFrameCallback: the frame was presented, not only decoded (Chromium has it).
    video.requestVideoFrameCallback(mark);
  }

  private async end(): Promise<void> {
    const call = this.call;
    if (call && call.state !== "ended") {
      await call.hangUp().catch(() => {});
      return;
    }
    this.element.hidden = true;
    window.clearInterval(this.positionTimer);
    this.resized();
  }

  private showState(state: LiveCall["state"], reason?: string): void {
    this.element.dataset.state = state;
    if (state === "ended") {
      window.clearInterval(this.positionTimer);
      this.video.srcObject = null;
      this.endButton.textContent = lt("live.close");
      const key = `live.reason.${reason ?? "hung_up"}` as LiveKey;
      this.say(lt(key) || lt("live.ended"));
      this.element.dataset.endReason = reason ?? "";
      return;
    }
    this.endButton.textContent = lt("live.end");
    this.say(lt(`live.${state}` as LiveKey));
  }

  private showQuality(quality: Quality): void {
    this.quality.dataset.level = quality.level;
    this.quality.textContent =
      quality.level === "none"
        ? lt("live.quality.none")
        : `${lt(`live.quality.${quality.level}` as LiveKey)} · ${describeQuality(quality)}`;
    // The totals as getStats gave them, for whoever inspects the page (and the browser test).
    const data = this.quality.dataset;
    data.videoBytesReceived = String(quality.videoBytesReceived);
    data.framesDecoded = String(quality.framesDecoded);
    data.audioBytesSent = String(quality.audioBytesSent);
    data.kbps = String(quality.videoKbps);
    data.loss = String(quality.loss);
  }

  private showPosition(member: MemberOnMap | undefined): void {
    if (!member) {
      this.position.textContent = lt("live.no_position");
      return;
    }
    this.position.textContent = lt("live.position", {
      lat: member.lat.toFixed(5),
      lon: member.lon.toFixed(5),
      ago: Math.max(0, Math.round((Date.now() - member.lastSeenMs) / 1000)),
    });
    this.position.dataset.lat = String(member.lat);
    this.position.dataset.lon = String(member.lon);
  }

  private say(text: string): void {
    this.status.textContent = text;
  }
}
