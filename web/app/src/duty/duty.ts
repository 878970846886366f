// Duty: on and off, the phone's position while on duty (watchPosition, every fix into the outbox,
// sent in batches of 10 s or 20 fixes), and the rule that a duty whose fixes could not be sent
// for the freshness window ends itself — the server already shows such a member offline, and a
// member who believes they are still visible to dispatchers must be told they are not.
import type { Api, Fix } from "../api";
import type { Outbox } from "../outbox/outbox";
import type { Store } from "../store";

/** Location's presence rule: no fix for 2 minutes and the member is offline. */
export const FRESHNESS_MS = 2 * 60 * 1000;
const CHECK_EVERY_MS = 5_000;

export class Duty {
  private watchId: number | null = null;
  private checkTimer: number | undefined;
  private firstFix = true;
  /** Called with each fix, after it is queued (arrival on the task in hand). */
  onFix: (fix: Fix) => void = () => {};
  /** Called when the duty ended itself. */
  onLapsed: () => void = () => {};

  constructor(
    private readonly api: Api,
    private readonly outbox: Outbox,
    private readonly store: Store,
  ) {}

  /** Go on duty: the server must agree (a verified member), so this needs the network. */
  async start(): Promise<void> {
    await this.api.startDuty();
    this.store.setDuty(true);
    this.watch();
  }

  /** Off duty: the fixes already made still go out first (the end waits behind them). */
  async end(): Promise<void> {
    this.unwatch();
    this.store.setDuty(false);
    await this.outbox.sealAndFlush();
    await this.outbox.add({ kind: "duty_end" });
  }

  /** The app restarted while on duty: watch again. */
  resume(): void {
    this.store.setDuty(true);
    this.watch();
  }

  /** Signed out: stop watching without telling the server (the session is gone). */
  halt(): void {
    this.unwatch();
    this.store.setDuty(false);
  }

  private watch(): void {
    if (this.watchId !== null) return;
    this.firstFix = true;
    this.watchId = navigator.geolocation.watchPosition(
      (position) => void this.take(position),
      () => {}, // no permission or no signal: the last-fix indicator shows its age
      { enableHighAccuracy: true, maximumAge: 0 },
    );
    window.clearInterval(this.checkTimer);
    this.checkTimer = window.setInterval(() => void this.checkFreshness(), CHECK_EVERY_MS);
  }

  private unwatch(): void {
    if (this.watchId !== null) navigator.geolocation.clearWatch(this.watchId);
    this.watchId = null;
    window.clearInterval(this.checkTimer);
  }

  private async take(position: GeolocationPosition): Promise<void> {
    const { latitude, longitude, accuracy, speed, heading } = position.coords;
    const fix: Fix = {
      lat: latitude,
      lon: longitude,
      accuracy_m: accuracy,
      ts: new Date(position.timestamp).toISOString(),
    };
    if (speed !== null && Number.isFinite(speed)) fix.speed_mps = speed;
    if (heading !== null && Number.isFinite(heading)) fix.heading_deg = heading;
    this.store.setFix({ lat: latitude, lon: longitude, accuracy, atMs: position.timestamp });
    await this.outbox.addFix(fix, this.firstFix);
    this.firstFix = false;
    this.onFix(fix);
  }

  private async checkFreshness(): Promise<void> {
    if (!this.store.onDuty) return;
    const oldest = await this.outbox.oldestUnsentFixMs();
    if (oldest !== null && Date.now() - oldest > FRESHNESS_MS) {
      await this.end();
      this.onLapsed();
    }
  }
}
