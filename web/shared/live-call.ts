// Live video and voice (实时视频) for the console and the patroller app: one WebRTC peer
// connection per call, browser to browser, its offer, answer and ICE candidates exchanged through
// the API (POST /live-calls/{id}/signal) and the two parties' /stream (shouwang.live_call.*),
// and a quality reading from getStats. The member's phone sends its rear camera and microphone
// and makes the offer as soon as it accepts; the officer answers with their microphone, so both
// talk. Nothing here knows which app it is in: the page gives a transport (its API client and a
// stream ticket) and draws what the handlers report.
//
//   const call = new LiveCall(transport, view, "officer", {
//     remoteStream: (s) => (video.srcObject = s), state: (s) => ..., quality: (q) => ...,
//   });
//   await call.useMicrophone();                      // officer: before the member accepts
//   stream events of the call -> call.deliver(type, data)
//   call.hangUp();                                   // POST /end, then close
//
// No media is recorded or leaves the two browsers (apart from a TURN relay, when configured).
import type { Schemas } from "./schema";

export type LiveCallView = Schemas["LiveCallView"];
export type SignalKind = "offer" | "answer" | "candidate";

export const RINGING = "shouwang.live_call.ringing";
export const ACCEPTED = "shouwang.live_call.accepted";
export const DECLINED = "shouwang.live_call.declined";
export const ENDED = "shouwang.live_call.ended";
export const SIGNAL = "shouwang.live_call.signal";
export const LIVE_CALL_EVENTS = [RINGING, ACCEPTED, DECLINED, ENDED, SIGNAL] as const;

/** What a live-call event on /stream carries (ringing/accepted/declined/ended, or a signal). */
export interface LiveCallEvent {
  call_id: string;
  status?: string;
  officer_id?: string;
  member_id?: string;
  task_id?: string;
  end_reason?: string;
  from_member_id?: string;
  kind?: SignalKind;
  payload?: Record<string, unknown>;
}

export interface LiveCallTransport {
  /** A call of the public API with the page's session (JSON in, JSON out). */
  send<T>(method: string, path: string, body?: unknown): Promise<T>;
}

export type CallState = "ringing" | "connecting" | "connected" | "ended";

/** One reading of the connection, from getStats, every STATS_EVERY_MS. */
export interface Quality {
  /** good / fair / poor: what the indicator shows. */
  level: "good" | "fair" | "poor" | "none";
  /** Video bits per second in the direction that matters (received by the officer, sent by
   * the member). */
  videoKbps: number;
  /** Share of packets lost since the last reading, 0..1. */
  loss: number;
  roundTripMs: number | null;
  // Totals straight from getStats, for the page to show or a test to read.
  videoBytesReceived: number;
  framesDecoded: number;
  videoBytesSent: number;
  audioBytesReceived: number;
  audioBytesSent: number;
}

export interface LiveCallHandlers {
  state?(state: CallState, reason?: string): void;
  remoteStream?(stream: MediaStream): void;
  quality?(quality: Quality): void;
}

export const STATS_EVERY_MS = 1000;
const REAR_CAMERA: MediaTrackConstraints = {
  facingMode: { ideal: "environment" },
  width: { ideal: 1280 },
  height: { ideal: 720 },
  frameRate: { ideal: 24, max: 30 },
};

/** The member's rear camera and microphone (the phone asks for permission). */
export function rearCameraAndMicrophone(): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({ video: REAR_CAMERA, audio: true });
}

/** The officer's microphone, with the browser's echo cancellation. */
export function microphone(): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: true, noiseSuppression: true },
    video: false,
  });
}

export function callPath(callId: string, action = ""): string {
  return `/live-calls/${encodeURIComponent(callId)}${action ? `/${action}` : ""}`;
}

export class LiveCall {
  state: CallState;
  private pc: RTCPeerConnection | null = null;
  private local: MediaStream | null = null;
  private readonly remote = new MediaStream();
  private pendingCandidates: RTCIceCandidateInit[] = [];
  private outgoing: Promise<unknown> = Promise.resolve();
  private accepting = false;
  private ending = false;
  private statsTimer: number | undefined;
  private previous: { at: number; bytes: number; expected: number; lost: number } | null = null;

  constructor(
    private readonly transport: LiveCallTransport,
    public view: LiveCallView,
    readonly role: "officer" | "member",
    private readonly handlers: LiveCallHandlers = {},
  ) {
    this.state = view.status === "connected" ? "connecting" : "ringing";
  }

  get callId(): string {
    return this.view.call_id;
  }

  /** What this end sends (the member's camera and microphone, the officer's microphone). */
  get localStream(): MediaStream | null {
    return this.local;
  }

  /** Officer: open the microphone while it rings, so the answer carries it at once. */
  async useMicrophone(): Promise<void> {
    this.local ??= await microphone();
  }

  /** Member: accept, open the rear camera and microphone, and make the offer. */
  async accept(media: Promise<MediaStream> = rearCameraAndMicrophone()): Promise<void> {
    this.accepting = true;
    // The camera opens while the server records the accept: whichever is slower sets the pace.
    const [view, stream] = await Promise.all([
      this.transport.send<LiveCallView>("POST", callPath(this.callId, "accept")),
      media,
    ]);
    this.view = view;
    this.local = stream;
    this.setState("connecting");
    const pc = this.connection();
    for (const track of stream.getTracks()) pc.addTrack(track, stream);
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    this.signal("offer", { type: offer.type, sdp: offer.sdp });
  }

  /** Member: decline the call (it never connects). */
  async decline(): Promise<void> {
    this.view = await this.transport.send<LiveCallView>("POST", callPath(this.callId, "decline"));
    this.close("declined");
  }

  /** Either party: end the call, then let go of the camera and microphone. */
  async hangUp(): Promise<void> {
    this.ending = true; // no candidate goes out after the end it would race
    try {
      if (this.state !== "ended")
        this.view = await this.transport.send<LiveCallView>("POST", callPath(this.callId, "end"));
    } finally {
      this.close("hung_up");
    }
  }

  /** An event of /stream; those of other calls are ignored. */
  deliver(type: string, data: LiveCallEvent): void {
    if (data.call_id !== this.callId || this.state === "ended") return;
    if (type === ACCEPTED && this.state === "ringing") {
      // The member's other device (another tab) took it: this one stops ringing.
      if (this.role === "member" && !this.accepting) this.close("answered_elsewhere");
      else this.setState("connecting");
    } else if (type === DECLINED) this.close("declined");
    else if (type === ENDED) this.close(data.end_reason || "ended");
    else if (type === SIGNAL && data.kind && data.payload)
      void this.receive(data.kind, data.payload);
  }

  /** Stop the media and the peer connection (the server is not told: see hangUp). */
  close(reason = "ended"): void {
    window.clearInterval(this.statsTimer);
    this.statsTimer = undefined;
    this.pc?.close();
    this.pc = null;
    for (const track of this.local?.getTracks() ?? []) track.stop();
    this.local = null;
    if (this.state !== "ended") this.setState("ended", reason);
  }

  private connection(): RTCPeerConnection {
    if (this.pc) return this.pc;
    const pc = new RTCPeerConnection({
      iceServers: this.view.ice_servers.map((server) => ({
        urls: server.urls,
        ...(server.username ? { username: server.username } : {}),
        ...(server.credential ? { credential: server.credential } : {}),
      })),
    });
    pc.onicecandidate = (event) => {
      if (event.candidate) this.signal("candidate", event.candidate.toJSON());
    };
    pc.ontrack = (event) => {
      this.remote.addTrack(event.track);
      this.handlers.remoteStream?.(this.remote);
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "connected") this.setState("connected");
      else if (pc.connectionState === "failed") void this.hangUp();
    };
    this.pc = pc;
    this.statsTimer = window.setInterval(() => void this.readStats(), STATS_EVERY_MS);
    return pc;
  }

  private async receive(kind: SignalKind, payload: Record<string, unknown>): Promise<void> {
    if (kind === "candidate") {
      const candidate = payload as RTCIceCandidateInit;
      if (this.pc?.remoteDescription) await this.pc.addIceCandidate(candidate).catch(() => {});
      else this.pendingCandidates.push(candidate);
      return;
    }
    const description = { type: kind, sdp: String(payload.sdp ?? "") } as RTCSessionDescriptionInit;
    if (kind === "offer" && this.role === "officer") {
      const pc = this.connection();
      await pc.setRemoteDescription(description);
      // The officer's voice back to the member, on the audio line the offer opened.
      for (const track of this.local?.getAudioTracks() ?? []) pc.addTrack(track, this.local!);
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      this.signal("answer", { type: answer.type, sdp: answer.sdp });
    } else if (kind === "answer" && this.role === "member" && this.pc) {
      await this.pc.setRemoteDescription(description);
    } else {
      return;
    }
    for (const candidate of this.pendingCandidates.splice(0))
      await this.pc?.addIceCandidate(candidate).catch(() => {});
  }

  /** Signals go out one after another, so the other side meets the offer before its candidates.
   * One that fails is dropped: a late candidate of a call the other side just ended is refused
   * (409), and the call's end arrives on the stream anyway. */
  private signal(kind: SignalKind, payload: unknown): void {
    const body = { kind, payload };
    this.outgoing = this.outgoing
      .then(() =>
        this.state === "ended" || this.ending
          ? null
          : this.transport.send("POST", callPath(this.callId, "signal"), body),
      )
      .catch(() => {});
  }

  private setState(state: CallState, reason?: string): void {
    if (this.state === state) return;
    this.state = state;
    this.handlers.state?.(state, reason);
  }

  private async readStats(): Promise<void> {
    const pc = this.pc;
    if (!pc) return;
    const report = await pc.getStats();
    const quality = qualityOf(report);
    const now = performance.now();
    const bytes = this.role === "officer" ? quality.videoBytesReceived : quality.videoBytesSent;
    const { expected, lost } = packetCounts(report, this.role);
    // Rates need two readings: the first one only says that media flow.
    if (this.previous) {
      const seconds = Math.max(0.001, (now - this.previous.at) / 1000);
      quality.videoKbps = Math.round(((bytes - this.previous.bytes) * 8) / 1000 / seconds);
      const more = expected - this.previous.expected;
      quality.loss = more > 0 ? Math.min(1, Math.max(0, (lost - this.previous.lost) / more)) : 0;
      quality.level = levelOf(quality, this.state);
    }
    this.previous = { at: now, bytes, expected, lost };
    this.handlers.quality?.(quality);
  }
}

/** Totals of a getStats report; bitrate and loss are filled in between two readings. */
export function qualityOf(report: RTCStatsReport): Quality {
  const quality: Quality = {
    level: "none",
    videoKbps: 0,
    loss: 0,
    roundTripMs: null,
    videoBytesReceived: 0,
    framesDecoded: 0,
    videoBytesSent: 0,
    audioBytesReceived: 0,
    audioBytesSent: 0,
  };
  report.forEach((stat: Record<string, unknown>) => {
    const kind = stat.kind as string | undefined;
    const number = (name: string) => Number(stat[name] ?? 0);
    if (stat.type === "inbound-rtp" && kind === "video") {
      quality.videoBytesReceived += number("bytesReceived");
      quality.framesDecoded += number("framesDecoded");
    } else if (stat.type === "inbound-rtp" && kind === "audio") {
      quality.audioBytesReceived += number("bytesReceived");
    } else if (stat.type === "outbound-rtp" && kind === "video") {
      quality.videoBytesSent += number("bytesSent");
    } else if (stat.type === "outbound-rtp" && kind === "audio") {
      quality.audioBytesSent += number("bytesSent");
    } else if (stat.type === "candidate-pair" && stat.nominated && stat.state === "succeeded") {
      const rtt = stat.currentRoundTripTime;
      if (typeof rtt === "number") quality.roundTripMs = Math.round(rtt * 1000);
    }
  });
  return quality;
}

/** Video packets expected and lost so far: those the officer's browser received (and found
 * missing), or those the member's sent (as the officer's browser reported back their loss). */
function packetCounts(report: RTCStatsReport, role: "officer" | "member") {
  let expected = 0;
  let lost = 0;
  report.forEach((stat: Record<string, unknown>) => {
    if (stat.kind !== "video") return;
    if (role === "officer" && stat.type === "inbound-rtp") {
      expected += Number(stat.packetsReceived ?? 0) + Number(stat.packetsLost ?? 0);
      lost += Number(stat.packetsLost ?? 0);
    } else if (role === "member" && stat.type === "remote-inbound-rtp") {
      lost += Number(stat.packetsLost ?? 0);
    } else if (role === "member" && stat.type === "outbound-rtp") {
      expected += Number(stat.packetsSent ?? 0);
    }
  });
  return { expected, lost };
}

/** The indicator: the browser's congestion control lowers the bitrate on a bad network, and
 * loss shows before it does. */
export function levelOf(quality: Quality, state: CallState): Quality["level"] {
  if (state !== "connected") return "none";
  if (quality.loss > 0.08 || quality.videoKbps < 150) return "poor";
  if (quality.loss > 0.02 || quality.videoKbps < 500) return "fair";
  return "good";
}

/** "1.2 Mbps · 0.4 % lost · 12 ms" for an indicator's text. */
export function describeQuality(quality: Quality): string {
  const rate =
    quality.videoKbps >= 1000
      ? `${(quality.videoKbps / 1000).toFixed(1)} Mbps`
      : `${quality.videoKbps} kbps`;
  const parts = [rate, `${(quality.loss * 100).toFixed(1)} %`];
  if (quality.roundTripMs !== null) parts.push(`${quality.roundTripMs} ms`);
  return parts.join(" · ");
}
