/** ECharts with only the parts the dashboard draws (keeps the bundle small). */
import * as echarts from 'echarts/core';
import { BarChart, HeatmapChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, HeatmapChart, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);

/** A drawn chart. */
export type Chart = echarts.ECharts;
/** What a chart draws (ECharts option object). */
export type ChartOption = echarts.EChartsCoreOption;

const charts = new Map<HTMLElement, Chart>();

/** The chart drawn in `el` (created once), with `option` applied in full. */
export function chart(el: HTMLElement, option: ChartOption): Chart {
  let instance = charts.get(el);
  if (!instance) {
    instance = echarts.init(el, undefined, { renderer: 'canvas' });
    charts.set(el, instance);
  }
  instance.off('click');
  instance.setOption({ animation: false, ...option }, { notMerge: true });
  return instance;
}

/** Redraws every chart at its element's new size (window resize, layout change). */
export function resizeCharts(): void {
  for (const [el, instance] of charts) {
    if (el.isConnected) instance.resize();
    else {
      instance.dispose();
      charts.delete(el);
    }
  }
}

/** The dashboard's palette. */
export const COLORS = ['#2563eb', '#16a34a', '#f59e0b', '#dc2626', '#7c3aed', '#0891b2'];
