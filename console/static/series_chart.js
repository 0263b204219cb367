// A series drawn with uPlot: the measure's value, its expected band (filled between the low and
// high edges) and its anomalies as red markers. Drag across the chart to zoom in, double-click
// to zoom out. The points come from /api/v1/series/points (at most 10,000, the latest of the
// range); the anomalies from the scores' flags and from /api/v1/anomalies of the series.

import { get } from "./api.js";
import { el, number } from "./format.js";

export const MAX_POINTS = 10000;

async function anomalyTimes(dataset, series, measure, since, until) {
  const times = new Map(); // ms -> the measure's value in the anomaly event
  let cursor;
  do {
    const page = await get("/api/v1/anomalies", { dataset, series, since, until, limit: 1000, cursor });
    for (const anomaly of page.items) {
      const contribution = anomaly.measures.find((m) => m.measure === measure);
      const value = contribution ? contribution.value : null;
      times.set(Date.parse(anomaly.interval_start), value);
    }
    cursor = page.next_cursor;
  } while (cursor && times.size < MAX_POINTS);
  return times;
}

export function chartData(points, measure, anomalies) {
  const xs = [], values = [], lows = [], highs = [], marks = [];
  for (const point of points) {
    const value = point.values[measure] ?? null;
    const edges = point.bands[measure];
    xs.push(point.t / 1000);
    values.push(value);
    lows.push(edges ? edges[0] : null);
    highs.push(edges ? edges[1] : null);
    const flagged = anomalies.has(point.t) || point.anomaly;
    marks.push(flagged ? (value ?? anomalies.get(point.t) ?? null) : null);
  }
  return [xs, values, lows, highs, marks];
}

export async function drawSeriesChart(container, { dataset, series, measure, since, until, highlight }) {
  container.replaceChildren(el("p", { class: "chart-note" }, `Loading ${series}…`));
  if (typeof window.uPlot !== "function") {
    container.replaceChildren(el("p", { class: "chart-note" },
      "The charting library is missing: run `make console-vendor` (uPlot from npm) and reload."));
    return null;
  }
  const [body, anomalies] = await Promise.all([
    get("/api/v1/series/points", { dataset, series, since, until, limit: MAX_POINTS }),
    anomalyTimes(dataset, series, measure, since, until),
  ]);
  const points = body.points;
  const measures = new Set(points.flatMap((p) => Object.keys(p.values)));
  if (!measure) measure = [...measures][0];
  if (!points.length || !measure) {
    container.replaceChildren(el("p", { class: "chart-note" },
      `No scored points of ${series} in this range: the dataset may not publish scores ` +
      "(publish_scores), or the range is before its first point."));
    return null;
  }
  const data = chartData(points, measure, anomalies);
  container.replaceChildren();
  const picker = el("select", { "aria-label": "measure" },
    [...measures].sort().map((name) => el("option", { value: name, selected: name === measure }, name)));
  picker.addEventListener("change", () =>
    drawSeriesChart(container, { dataset, series, measure: picker.value, since, until, highlight }));
  const plotArea = el("div", { class: "plot" });
  container.append(el("div", { class: "chart-head" }, el("strong", {}, series), " ", picker,
    el("span", { class: "muted" }, ` ${points.length} points; drag to zoom, double-click to zoom out`)),
    plotArea);
  const width = Math.max(480, container.clientWidth || 900);
  const options = {
    width, height: 320,
    scales: { x: { time: true } },
    tzDate: (seconds) => window.uPlot.tzDate(new Date(seconds * 1000), "Etc/UTC"), // as the page: UTC
    axes: [{}, { values: (_u, ticks) => ticks.map(number) }],
    cursor: { drag: { x: true, y: false } },
    series: [
      {},
      { label: measure, stroke: "#1f6feb", width: 1.5, points: { show: false } },
      { label: "expected low", stroke: "rgba(46,160,67,.7)", width: 1, points: { show: false } },
      { label: "expected high", stroke: "rgba(46,160,67,.7)", width: 1, points: { show: false } },
      {
        label: "anomaly", stroke: "#d1242f", fill: "#d1242f", width: 0,
        paths: () => null, points: { show: true, size: 10, width: 2, stroke: "#d1242f", fill: "#d1242f" },
      },
    ],
    bands: [{ series: [3, 2], fill: "rgba(46,160,67,.15)" }],
    hooks: highlight ? { drawClear: [(u) => shade(u, highlight)] } : {},
  };
  const plot = new window.uPlot(options, data, plotArea);
  // What the chart shows, for people reading the DOM and for the page's tests.
  const marked = data[4].filter((v) => v !== null).length;
  Object.assign(container.dataset, {
    measure, points: String(points.length),
    bandPoints: String(data[2].filter((v) => v !== null).length),
    anomalies: String(marked),
  });
  window.dexwatchChart = { plot, data, measure };
  return plot;
}

function shade(u, { from, to }) {
  // The incident's span, lightly shaded behind the series.
  const left = u.valToPos(from / 1000, "x", true);
  const right = u.valToPos(to / 1000, "x", true);
  const { top, height } = u.bbox;
  u.ctx.save();
  u.ctx.fillStyle = "rgba(209,36,47,.07)";
  u.ctx.fillRect(left, top, Math.max(2, right - left), height);
  u.ctx.restore();
}
