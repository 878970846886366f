// The app's one store: what screens share (the member, duty, the last fix, what waits to be sent,
// offers, the task in hand, notices). Screens read it and subscribe to the topics they draw; only
// the store's methods change it.
import type { Profile, Task } from "./api";
import type { Waiting } from "./outbox/outbox";

export interface LastFix {
  lat: number;
  lon: number;
  accuracy: number;
  atMs: number;
}

export interface Offer {
  task_id: string;
  title: string;
  priority: number;
  lat: number;
  lon: number;
  distance_m: number;
  /** When this wave's offer stops waiting for the member (local clock). */
  wave_ends_ms: number;
  expires_at_ms: number;
}

export interface Notice {
  text: string;
  tone: "info" | "warn";
}

interface Topics {
  profile: Profile | null;
  duty: boolean;
  fix: LastFix | null;
  sent: number | null;
  waiting: Waiting;
  offers: readonly Offer[];
  task: Task | null;
  notice: Notice | null;
  connection: boolean;
}

type Listener<T> = (value: T) => void;

export const NOTHING_WAITING: Waiting = {
  fixes: 0,
  photos: 0,
  reports: 0,
  completions: 0,
  other: 0,
};

export class Store {
  profile: Profile | null = null;
  onDuty = false;
  lastFix: LastFix | null = null;
  /** When the server last accepted fixes (ms). */
  lastSentMs: number | null = null;
  waiting: Waiting = NOTHING_WAITING;
  offers: Offer[] = [];
  task: Task | null = null;
  connected = false;
  private readonly listeners = new Map<keyof Topics, Set<Listener<never>>>();

  on<K extends keyof Topics>(topic: K, listener: Listener<Topics[K]>): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  private emit<K extends keyof Topics>(topic: K, value: Topics[K]): void {
    for (const listener of this.listeners.get(topic) ?? [])
      (listener as Listener<Topics[K]>)(value);
  }

  setProfile(profile: Profile | null): void {
    this.profile = profile;
    this.emit("profile", profile);
  }

  setDuty(onDuty: boolean): void {
    this.onDuty = onDuty;
    this.emit("duty", onDuty);
  }

  setFix(fix: LastFix): void {
    this.lastFix = fix;
    this.emit("fix", fix);
  }

  setSent(atMs: number): void {
    this.lastSentMs = atMs;
    this.emit("sent", atMs);
  }

  setWaiting(waiting: Waiting): void {
    this.waiting = waiting;
    this.emit("waiting", waiting);
  }

  addOffer(offer: Offer): void {
    if (this.offers.some((o) => o.task_id === offer.task_id)) return;
    this.offers.push(offer);
    this.emit("offers", this.offers);
  }

  dropOffer(taskId: string): void {
    const before = this.offers.length;
    this.offers = this.offers.filter((o) => o.task_id !== taskId);
    if (this.offers.length !== before) this.emit("offers", this.offers);
  }

  setTask(task: Task | null): void {
    this.task = task;
    this.emit("task", task);
  }

  notify(notice: Notice | null): void {
    this.emit("notice", notice);
  }

  setConnected(connected: boolean): void {
    this.connected = connected;
    this.emit("connection", connected);
  }
}
