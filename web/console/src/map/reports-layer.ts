// Pending reports (tips and hazards waiting for moderation) as small flags on the map.
import type { Translate } from "../../../shared/i18n";
import type { Report } from "../api";
import type { MessageKey } from "../i18n";
import { L } from "./leaflet";

export class ReportsLayer {
  readonly layer = L.layerGroup();

  constructor(private readonly t: Translate<MessageKey>) {}

  show(reports: Report[]): void {
    this.layer.clearLayers();
    for (const report of reports) {
      const icon = L.divIcon({ className: "report-flag", html: "!", iconSize: [18, 18] });
      L.marker([report.location.lat, report.location.lon], { icon, keyboard: false })
        .bindTooltip(
          `${this.t(`category.${report.category}` as MessageKey)} · ${report.description.slice(0, 60)}`,
        )
        .addTo(this.layer);
    }
  }
}
