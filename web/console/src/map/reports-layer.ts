// Pending reports (tips and hazards waiting for moderation) as small flags on the map.
import type { Translate } from "../../../shared/i18n";
import type { Report } from "../api";
import type { MessageKey } from "../i18n";
import { Display } from "./datum";
import { L } from "./leaflet";

export class ReportsLayer {
  readonly layer = L.layerGroup();
  private display = new Display();
  private shown: Report[] = [];

  constructor(private readonly t: Translate<MessageKey>) {}

  /** The datum the map is drawn in (the flags are drawn again, shifted if need be). */
  setDisplay(display: Display): void {
    this.display = display;
    this.show(this.shown);
  }

  show(reports: Report[]): void {
    this.shown = reports;
    this.layer.clearLayers();
    for (const report of reports) {
      const icon = L.divIcon({ className: "report-flag", html: "!", iconSize: [18, 18] });
      L.marker(this.display.shown(report.location.lat, report.location.lon), {
        icon,
        keyboard: false,
      })
        .bindTooltip(
          `${this.t(`category.${report.category}` as MessageKey)} · ${report.description.slice(0, 60)}`,
        )
        .addTo(this.layer);
    }
  }
}
