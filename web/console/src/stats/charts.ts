// ECharts, tree-shaken: only the bar and line charts and the components the statistics screen
// draws are bundled (echarts/core plus what `use` registers), on the canvas renderer.
import { BarChart, LineChart } from "echarts/charts";
import {
  DatasetComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
} from "echarts/components";
import { type EChartsCoreOption, type EChartsType, init, use } from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

use([
  BarChart,
  LineChart,
  DatasetComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  CanvasRenderer,
]);

export type Chart = EChartsType;

/** A chart in ``element``, which must be visible (ECharts measures it). */
export function chart(element: HTMLElement): Chart {
  return init(element, undefined, { renderer: "canvas" });
}

export interface Series {
  name: string;
  values: number[];
  colour?: string;
}

/** Bars per category on the x axis, stacked when there are several series. */
export function stackedBars(labels: string[], series: Series[]): EChartsCoreOption {
  return {
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0, type: "scroll" },
    grid: { left: 40, right: 16, top: 32, bottom: 28 },
    xAxis: { type: "category", data: labels },
    yAxis: { type: "value", minInterval: 1 },
    series: series.map((s) => ({
      name: s.name,
      type: "bar",
      stack: "total",
      data: s.values,
      itemStyle: s.colour ? { color: s.colour } : undefined,
    })),
  };
}

/** Members on duty as a line, patrol hours as bars on a second axis. */
export function dutyChart(labels: string[], members: Series, hours: Series): EChartsCoreOption {
  return {
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 48, top: 32, bottom: 28 },
    xAxis: { type: "category", data: labels },
    yAxis: [
      { type: "value", minInterval: 1, name: "" },
      { type: "value", name: "", splitLine: { show: false } },
    ],
    series: [
      {
        name: hours.name,
        type: "bar",
        yAxisIndex: 1,
        data: hours.values,
        itemStyle: { color: "#93c5fd" },
      },
      { name: members.name, type: "line", data: members.values, itemStyle: { color: "#1d4ed8" } },
    ],
  };
}
