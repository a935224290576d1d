// SPDX-License-Identifier: MIT
// charts.js - ECharts with only the chart types the dashboard draws. Loaded by the dashboard
// on first use (a chunk of its own), so that the rest of the console does not carry it.
import * as echarts from 'echarts/core';
import { LineChart, BarChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, LegendComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([LineChart, BarChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

export default echarts;
