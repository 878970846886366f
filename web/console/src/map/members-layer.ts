// On-duty members as coloured dots (free / busy / stale), moved in place as positions arrive.
import type { Translate } from "../../../shared/i18n";
import type { MessageKey } from "../i18n";
import { type MemberOnMap, type MemberState, stateOf, type Store } from "../store";
import { L } from "./leaflet";

export const MEMBER_COLOURS: Record<MemberState, string> = {
  free: "#16a34a",
  busy: "#ea580c",
  stale: "#9ca3af",
};

// Staleness is a matter of time passing, so colours are re-derived on a timer (no server call).
const RECOLOUR_EVERY_MS = 15_000;

export class MembersLayer {
  readonly layer = L.layerGroup();
  private readonly markers = new Map<string, L.CircleMarker>();
  private readonly renderer = L.canvas({ padding: 0.5 });
  private team: string | null = null;
  private countsQueued = false;
  onCounts: (counts: Record<MemberState, number>) => void = () => {};

  constructor(
    private readonly store: Store,
    private readonly t: Translate<MessageKey>,
  ) {
    store.on("members", (members) => this.redrawAll(members));
    store.on("member", (member) => {
      this.draw(member);
      this.queueCounts();
    });
    window.setInterval(() => this.redrawAll(this.store.members), RECOLOUR_EVERY_MS);
  }

  /** Show one team's members only (null: everyone). */
  showTeam(teamId: string | null): void {
    this.team = teamId;
    this.redrawAll(this.store.members);
  }

  private redrawAll(members: ReadonlyMap<string, MemberOnMap>): void {
    for (const [id, marker] of this.markers) {
      const member = members.get(id);
      if (!member || !this.shows(member)) {
        marker.remove();
        this.markers.delete(id);
      }
    }
    for (const member of members.values()) this.draw(member);
    this.reportCounts();
  }

  private shows(member: MemberOnMap): boolean {
    return this.team === null || member.team_id === this.team;
  }

  private draw(member: MemberOnMap): void {
    if (!this.shows(member)) {
      this.markers.get(member.member_id)?.remove();
      this.markers.delete(member.member_id);
      return;
    }
    const state = stateOf(member, Date.now());
    const style = {
      color: "#ffffff",
      weight: 1.5,
      fillColor: MEMBER_COLOURS[state],
      fillOpacity: 0.95,
    };
    let marker = this.markers.get(member.member_id);
    const label = `${member.name || member.member_id} · ${this.t(`member.${state}`)}`;
    if (!marker) {
      marker = L.circleMarker([member.lat, member.lon], {
        radius: 7,
        renderer: this.renderer,
        ...style,
      });
      marker.bindTooltip(label, { direction: "top", offset: [0, -6] });
      marker.addTo(this.layer);
      this.markers.set(member.member_id, marker);
    } else {
      marker.setLatLng([member.lat, member.lon]);
      marker.setStyle(style);
      marker.setTooltipContent(label);
    }
  }

  // Positions arrive one by one; the legend is counted once per frame, not once per position.
  private queueCounts(): void {
    if (this.countsQueued) return;
    this.countsQueued = true;
    requestAnimationFrame(() => {
      this.countsQueued = false;
      this.reportCounts();
    });
  }

  private reportCounts(): void {
    const counts: Record<MemberState, number> = { free: 0, busy: 0, stale: 0 };
    const now = Date.now();
    for (const member of this.store.members.values()) {
      if (this.shows(member)) counts[stateOf(member, now)] += 1;
    }
    this.onCounts(counts);
  }
}
