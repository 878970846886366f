// Push-to-talk (实时对讲) for the console and the patroller app, store-and-forward like Zello:
// hold a button to record (MediaRecorder, Opus in WebM or Ogg), release to upload the clip and
// post it to the group; clips that arrive are fetched at once and played one after another, in
// the order they were heard of, each to its end. Nothing here knows the HTTP API: the page gives
// a transport (upload + post, fetch a clip), so the console and the app share this module.
// Playback decodes with Web Audio (no <audio> element, no blob: URL for a page's content policy
// to allow); the AudioContext starts on the page's first user gesture (a press, or whatever
// click made the page hear clips: browsers let sound start only after one).
//
//   const intercom = new Intercom({
//     send: async (clip) => { const m = await upload(clip); await post(groupId, m.media_id); },
//     fetchClip: (mediaId) => fetchMedia(mediaId),           // GET /media/{id} with the session
//   }, { onState: (s) => ..., onPlayback: (clip, phase) => ... });
//   intercom.holdToTalk(button);                              // pointer, Space and Enter
//   stream.on("shouwang.group.message", (m) => m.voice_media_id && m.sender_id !== me &&
//     intercom.hear({ messageId: m.message_id, mediaId: m.voice_media_id }));
//   intercom.close();                                         // frees the microphone
//
// The microphone is opened on the first press and kept until close(), so later presses start
// recording at once. A press shorter than MIN_CLIP_MS is dropped; a clip stops itself before
// the server's 60 s limit.

export interface VoiceClip {
  messageId: string;
  mediaId: string;
  senderId?: string;
  durationMs?: number;
}

export interface IntercomTransport {
  /** Upload the recorded clip (POST /media) and post it to the group (voice_media_id). */
  send(clip: Blob): Promise<void>;
  /** A clip's bytes (GET /media/{id} with the caller's session). */
  fetchClip(mediaId: string): Promise<Blob>;
}

export type TalkState = "idle" | "recording" | "sending" | "error";
export type PlaybackPhase = "playing" | "ended" | "failed";

export interface IntercomOptions {
  onState?(state: TalkState, detail?: string): void;
  onPlayback?(clip: VoiceClip, phase: PlaybackPhase): void;
}

export const MIN_CLIP_MS = 250;
export const MAX_CLIP_MS = 59_000;
const TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus"];

/** The Opus container this browser records, or "" when it records neither. */
export function recordingType(): string {
  if (typeof MediaRecorder === "undefined" || !navigator.mediaDevices) return "";
  return TYPES.find((type) => MediaRecorder.isTypeSupported(type)) ?? "";
}

interface Queued {
  clip: VoiceClip;
  bytes: Promise<Blob>;
}

export class Intercom {
  private microphone: MediaStream | null = null;
  private recorder: MediaRecorder | null = null;
  private pressed = false;
  private startedAt = 0;
  private limit: number | undefined;
  private readonly queue: Queued[] = [];
  private readonly heard = new Set<string>();
  private audio: AudioContext | null = null;
  private playing: AudioBufferSourceNode | null = null;
  private draining = false;
  private closed = false;

  constructor(
    private readonly transport: IntercomTransport,
    private readonly options: IntercomOptions = {},
  ) {}

  /** Bind hold-to-talk to a button (pointer and keyboard); returns a function that unbinds. */
  holdToTalk(button: HTMLElement): () => void {
    const down = (event: Event) => {
      if (
        event instanceof KeyboardEvent &&
        (event.repeat || !["Space", "Enter"].includes(event.code))
      )
        return;
      event.preventDefault();
      if (event instanceof PointerEvent) button.setPointerCapture?.(event.pointerId);
      void this.press();
    };
    const up = (event: Event) => {
      if (event instanceof KeyboardEvent && !["Space", "Enter"].includes(event.code)) return;
      event.preventDefault();
      void this.release();
    };
    const bindings: [string, (event: Event) => void][] = [
      ["pointerdown", down],
      ["pointerup", up],
      ["pointercancel", up],
      ["keydown", down],
      ["keyup", up],
      ["contextmenu", (event) => event.preventDefault()],
    ];
    for (const [name, handler] of bindings) button.addEventListener(name, handler);
    return () => {
      for (const [name, handler] of bindings) button.removeEventListener(name, handler);
    };
  }

  /** Start recording (opening the microphone on the first press). */
  async press(): Promise<void> {
    if (this.pressed || this.closed) return;
    this.pressed = true;
    this.unlock();
    const type = recordingType();
    if (!type) return this.fail("recording is not supported here");
    try {
      this.microphone ??= await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true },
      });
    } catch (error) {
      return this.fail(`no microphone (${(error as Error).name})`);
    }
    if (!this.pressed) return; // released while the microphone was opening
    const recorder = new MediaRecorder(this.microphone, {
      mimeType: type,
      audioBitsPerSecond: 24_000,
    });
    this.recorder = recorder;
    this.startedAt = performance.now();
    recorder.start();
    this.limit = window.setTimeout(() => void this.release(), MAX_CLIP_MS);
    this.options.onState?.("recording");
  }

  /** Stop recording and send the clip (unless it was too short to be meant). */
  async release(): Promise<void> {
    if (!this.pressed) return;
    this.pressed = false;
    window.clearTimeout(this.limit);
    const recorder = this.recorder;
    this.recorder = null;
    if (!recorder) return;
    const parts: Blob[] = [];
    recorder.ondataavailable = (event) => {
      if (event.data.size) parts.push(event.data);
    };
    const stopped = new Promise((resolve) => (recorder.onstop = resolve));
    recorder.stop();
    await stopped;
    if (performance.now() - this.startedAt < MIN_CLIP_MS || !parts.length) {
      this.options.onState?.("idle");
      return;
    }
    this.options.onState?.("sending");
    try {
      await this.transport.send(new Blob(parts, { type: recorder.mimeType.split(";")[0] }));
      this.options.onState?.("idle");
    } catch (error) {
      this.fail(String((error as Error).message ?? error));
    }
  }

  /** Make sound possible: call from a user gesture (a click) before clips arrive. */
  unlock(): void {
    this.audio ??= new AudioContext();
    if (this.audio.state === "suspended") void this.audio.resume();
  }

  /** A clip someone posted: fetched at once, played after those heard before it. */
  hear(clip: VoiceClip): void {
    if (this.closed || this.heard.has(clip.messageId)) return;
    this.heard.add(clip.messageId);
    const bytes = this.transport.fetchClip(clip.mediaId);
    bytes.catch(() => {}); // reported when its turn comes
    this.queue.push({ clip, bytes });
    void this.drain();
  }

  /** Stop what is playing and forget what is waiting. */
  stopPlayback(): void {
    this.queue.length = 0;
    this.playing?.stop(); // fires its ended
  }

  /** Stop everything and free the microphone. */
  close(): void {
    this.closed = true;
    this.stopPlayback();
    this.recorder?.stop();
    this.microphone?.getTracks().forEach((track) => track.stop());
    this.microphone = null;
    void this.audio?.close();
    this.audio = null;
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) {
        await this.play(next);
      }
    } finally {
      this.draining = false;
    }
  }

  private async play({ clip, bytes }: Queued): Promise<void> {
    try {
      const context = (this.audio ??= new AudioContext());
      if (context.state === "suspended") await context.resume();
      const decoded = await context.decodeAudioData(await (await bytes).arrayBuffer());
      const source = context.createBufferSource();
      source.buffer = decoded;
      source.connect(context.destination);
      this.playing = source;
      await new Promise<void>((resolve) => {
        source.onended = () => resolve();
        source.start();
        this.options.onPlayback?.(clip, "playing");
      });
      this.options.onPlayback?.(clip, "ended");
    } catch {
      this.options.onPlayback?.(clip, "failed");
    } finally {
      this.playing = null;
    }
  }

  private fail(detail: string): void {
    this.pressed = false;
    this.options.onState?.("error", detail);
  }
}
