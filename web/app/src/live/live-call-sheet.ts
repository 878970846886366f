// Live video (实时视频) on the member's phone: an officer's request comes on /stream as
// shouwang.live_call.ringing and shows as a sheet over whatever the member was doing (accept,
// decline); once accepted, a small in-call strip at the top sends the rear camera and the
// microphone, plays the officer's voice, shows the connection's quality and an end button, and
// leaves the task panel and the rest of the app in view below it. The WebRTC and the signalling
// are web/shared/live-call.ts, shared with the console.
import { h, replaceChildren } from "../../../shared/dom";
import {
  describeQuality,
  LiveCall,
  type LiveCallEvent,
  type LiveCallView,
  type Quality,
  RINGING,
} from "../../../shared/live-call";
import { ApiError } from "../api";
import type { AppContext } from "../context";
import "./live.css";
import { lt, type LiveKey } from "./messages";

export class LiveCallSheet {
  /** The incoming-call sheet and the in-call strip; both hidden between calls. */
  readonly element = h("div", { class: "live-layer", "data-testid": "live-layer" });
  private readonly preview = h("video", {
    class: "live-preview",
    autoplay: true,
    muted: true,
    playsinline: true,
  });
  private readonly voice = h("audio", { autoplay: true, "data-testid": "live-voice" });
  private readonly quality = h("span", {
    class: "live-quality",
    "data-level": "none",
    "data-testid": "live-quality",
  });
  private readonly status = h("span", { class: "live-status", "data-testid": "live-status" });
  private call: LiveCall | null = null;

  constructor(private readonly ctx: AppContext) {
    this.element.hidden = true;
  }

  /** Every live-call event of the member's stream. */
  deliver(type: string, data: LiveCallEvent): void {
    if (type === RINGING && data.member_id === this.ctx.store.profile?.member_id) {
      if (this.call && this.call.state !== "ended") return; // one call at a time (the server agrees)
      void this.ring(data);
      return;
    }
    this.call?.deliver(type, data);
  }

  private async ring(event: LiveCallEvent): Promise<void> {
    let view: LiveCallView;
    try {
      view = await this.ctx.api.request<LiveCallView>(
        "GET",
        `/live-calls/${encodeURIComponent(event.call_id)}`,
      );
    } catch {
      return; // gone already, or not ours
    }
    if (view.status !== "ringing") return;
    const call = new LiveCall(
      { send: (method, path, body) => this.ctx.api.request(method, path, { body }) },
      view,
      "member",
      {
        state: (state, reason) => this.showState(state, reason),
        remoteStream: (stream) => {
          if (this.voice.srcObject !== stream) this.voice.srcObject = stream;
          void this.voice.play().catch(() => {});
        },
        quality: (quality) => this.showQuality(quality),
      },
    );
    this.call = call;
    this.showSheet(call, view);
  }

  private showSheet(call: LiveCall, view: LiveCallView): void {
    const task = this.ctx.store.task;
    const about =
      view.task_id && task?.task_id === view.task_id
        ? h("p", { class: "live-about" }, lt("live.about_task", { title: task.title }))
        : null;
    const accept = h(
      "button",
      { type: "button", class: "primary", "data-testid": "live-accept" },
      lt("live.accept"),
    );
    const decline = h(
      "button",
      { type: "button", class: "danger", "data-testid": "live-decline" },
      lt("live.decline"),
    );
    const problem = h("p", { class: "live-problem", role: "alert" });
    accept.onclick = () => {
      accept.disabled = decline.disabled = true;
      this.element.dataset.acceptedAt = String(Date.now()); // for the benchmark's clock
      this.showStrip(call);
      call.accept().catch((error: unknown) => {
        const why = error instanceof ApiError ? error.message : String(error);
        replaceChildren(problem, lt("live.no_camera", { why }));
        void call.hangUp().catch(() => {});
      });
    };
    decline.onclick = () => {
      accept.disabled = decline.disabled = true;
      void call.decline().catch(() => call.close("declined"));
    };
    replaceChildren(
      this.element,
      h(
        "div",
        { class: "live-sheet", role: "dialog", "data-testid": "live-sheet" },
        h("p", { class: "offer-kicker" }, lt("live.incoming")),
        h("p", {}, lt("live.incoming_detail")),
        about,
        h("p", { class: "muted" }, lt("live.not_recorded")),
        problem,
        h("div", { class: "offer-actions" }, decline, accept),
      ),
    );
    this.element.dataset.state = "ringing";
    this.element.hidden = false;
    navigator.vibrate?.([400, 200, 400]);
  }

  /** The in-call strip: own preview, status, quality, end; the app stays usable below. */
  private showStrip(call: LiveCall): void {
    const end = h(
      "button",
      { type: "button", class: "danger", "data-testid": "live-end" },
      lt("live.end"),
    );
    end.onclick = () => void call.hangUp().catch(() => {});
    this.status.textContent = lt("live.connecting");
    this.quality.dataset.level = "none";
    this.quality.textContent = lt("live.quality.none");
    replaceChildren(
      this.element,
      h(
        "div",
        { class: "live-strip", "data-testid": "live-strip" },
        this.preview,
        h("div", { class: "live-strip-text" }, this.status, this.quality),
        end,
        this.voice,
      ),
    );
    this.element.dataset.state = "connecting";
    // The task in hand stays in view under the strip.
    if (call.view.task_id) location.hash = "#duty";
  }

  private showState(state: LiveCall["state"], reason?: string): void {
    this.element.dataset.state = state;
    if (state === "connecting" || state === "connected") {
      this.status.textContent = lt(`live.${state}` as LiveKey);
      const local = this.call?.localStream;
      if (local && this.preview.srcObject !== local) this.preview.srcObject = local;
      return;
    }
    if (state === "ended") {
      this.element.dataset.endReason = reason ?? "";
      this.preview.srcObject = null;
      this.voice.srcObject = null;
      this.element.hidden = true;
      replaceChildren(this.element);
      if (reason !== "declined" && reason !== "answered_elsewhere")
        this.ctx.store.notify({ text: lt("live.ended"), tone: "info" });
    }
  }

  private showQuality(quality: Quality): void {
    this.quality.dataset.level = quality.level;
    this.quality.textContent =
      quality.level === "none"
        ? lt("live.quality.none")
        : `${lt(`live.quality.${quality.level}` as LiveKey)} · ${describeQuality(quality)}`;
    const data = this.quality.dataset;
    data.videoBytesSent = String(quality.videoBytesSent);
    data.audioBytesReceived = String(quality.audioBytesReceived);
    data.kbps = String(quality.videoKbps);
  }
}
