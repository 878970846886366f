// An offer, full screen over whatever the member was doing: the task's title, how far it is, a
// small map, the time left in its wave, and two large buttons. Offers arrive on /stream
// (shouwang.task.offered naming this member); several wait in line, the newest last.
import { h, replaceChildren } from "../../../shared/dom";
import { ApiError, type Api } from "../api";
import type { AppContext } from "../context";
import { SmallMap } from "../map/small-map";
import type { Offer } from "../store";
import { alertOffer } from "./alert";

// tasks' wave timeouts (WAVE_TIMEOUT_S, URGENT_WAVE_TIMEOUT_S): how long a nearest-first wave waits
// for claims before the next members are asked. Area and named offers wait until expiry.
const WAVE_S = 30;
const URGENT_WAVE_S = 15;

export interface OfferedEvent {
  task_id: string;
  title?: string;
  priority?: number;
  lat?: number;
  lon?: number;
  expires_at?: string;
  offers?: { member_id: string; distance_m?: number }[];
}

/** The offer an event makes to this member, if it names them; `offeredMs` when it was made
 * (now, for an event just pushed). */
export function offerFrom(
  event: OfferedEvent,
  memberId: string,
  offeredMs = Date.now(),
): Offer | null {
  const mine = event.offers?.find((o) => o.member_id === memberId);
  if (!mine) return null;
  const now = offeredMs;
  const expires = Date.parse(event.expires_at ?? "") || now + 3600_000;
  const priority = event.priority ?? 2;
  return {
    task_id: event.task_id,
    title: event.title ?? "",
    priority,
    lat: event.lat ?? 0,
    lon: event.lon ?? 0,
    distance_m: mine.distance_m ?? 0,
    wave_ends_ms: Math.min(expires, now + (priority === 1 ? URGENT_WAVE_S : WAVE_S) * 1000),
    expires_at_ms: expires,
  };
}

/** Offers still open when the app starts (it was closed or reloaded when they came). */
export async function pendingOffers(api: Api, memberId: string): Promise<Offer[]> {
  const page = await api.myTasks();
  const offers: Offer[] = [];
  for (const summary of page.tasks.filter((task) => task.status === "dispatching")) {
    const task = await api.task(summary.task_id);
    const mine = task.offers.find((o) => o.member_id === memberId && !o.declined);
    if (!mine || task.claims.some((c) => c.member_id === memberId)) continue;
    const event = { ...task, lat: task.location.lat, lon: task.location.lon, offers: [mine] };
    const offer = offerFrom(event, memberId, Date.parse(mine.offered_at) || Date.now());
    if (offer && offer.expires_at_ms > Date.now()) offers.push(offer);
  }
  return offers;
}

export class OfferCard {
  readonly element = h("div", { class: "offer-overlay", hidden: true, "data-testid": "offer" });
  private map = new SmallMap("offer-map");
  private shownId: string | null = null;
  private ticker: number | undefined;

  constructor(
    private readonly ctx: AppContext,
    private readonly claimed: (taskId: string) => void,
  ) {
    ctx.store.on("offers", () => this.render());
  }

  private render(): void {
    const offer = this.ctx.store.offers[0];
    window.clearInterval(this.ticker);
    if (!offer) {
      this.element.hidden = true;
      this.shownId = null;
      return;
    }
    const { t } = this.ctx;
    const fresh = offer.task_id !== this.shownId;
    this.shownId = offer.task_id;
    const left = h("div", { class: "offer-left", "data-testid": "offer-left" });
    const problem = h("p", { class: "field-error" });
    const claim = h(
      "button",
      { type: "button", class: "primary huge", "data-testid": "claim" },
      t("offer.claim"),
    );
    const decline = h(
      "button",
      { type: "button", class: "ghost huge", "data-testid": "decline" },
      t("offer.decline"),
    );
    claim.onclick = () => void this.answer(offer, "claim", problem, [claim, decline]);
    decline.onclick = () => void this.answer(offer, "decline", problem, [claim, decline]);
    replaceChildren(
      this.element,
      h(
        "div",
        { class: "offer-card" },
        h("p", { class: "offer-kicker" }, t(offer.priority === 1 ? "offer.urgent" : "offer.new")),
        h("h2", { class: "offer-title" }, offer.title),
        h(
          "p",
          { class: "offer-distance", "data-testid": "offer-distance" },
          t("offer.distance", { metres: Math.round(offer.distance_m) }),
        ),
        this.map.element,
        left,
        problem,
        h("div", { class: "offer-actions" }, decline, claim),
      ),
    );
    this.element.hidden = false;
    const me = this.ctx.store.lastFix;
    this.map.showTask(offer, me);
    const tick = () => {
      const now = Date.now();
      if (now >= offer.expires_at_ms) {
        this.ctx.store.dropOffer(offer.task_id);
        return;
      }
      const inWave = offer.wave_ends_ms > now;
      const seconds = Math.ceil(((inWave ? offer.wave_ends_ms : offer.expires_at_ms) - now) / 1000);
      left.textContent = t(inWave ? "offer.left" : "offer.until_expiry", {
        time: seconds >= 120 ? `${Math.ceil(seconds / 60)} ${t("unit.min")}` : `${seconds} s`,
      });
    };
    tick();
    this.ticker = window.setInterval(tick, 1000);
    if (fresh) alertOffer();
  }

  private async answer(
    offer: Offer,
    answer: "claim" | "decline",
    problem: HTMLElement,
    buttons: HTMLButtonElement[],
  ): Promise<void> {
    for (const button of buttons) button.disabled = true;
    try {
      if (answer === "claim") await this.ctx.api.claim(offer.task_id);
      else await this.ctx.api.decline(offer.task_id);
    } catch (error) {
      for (const button of buttons) button.disabled = false;
      if (error instanceof ApiError && [404, 409, 410].includes(error.status)) {
        // Taken by others, withdrawn or expired: nothing left to answer.
        this.ctx.store.notify({ text: this.ctx.t("offer.gone"), tone: "warn" });
        this.ctx.store.dropOffer(offer.task_id);
      } else {
        problem.textContent =
          error instanceof ApiError ? error.message : this.ctx.t("error.offline");
      }
      return;
    }
    this.ctx.store.dropOffer(offer.task_id);
    if (answer === "claim") this.claimed(offer.task_id);
  }
}
