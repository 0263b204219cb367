// A dataset's series (paged by the API, filtered by key prefix: fine with 100,000 of them) and
// one series' chart over the last day, week, month or its latest 10,000 points.

import { get } from "./api.js";
import { el, seriesLink, when } from "./format.js";
import { drawSeriesChart } from "./series_chart.js";

const RANGES = { "1 day": 1, "7 days": 7, "30 days": 30, "latest 10,000": null };

async function seriesPicker(root, datasets, dataset, prefix) {
  const body = el("tbody");
  const more = el("button", { type: "button", hidden: true }, "More");
  const datasetPick = el("select", { id: "series-dataset" }, datasets.map((d) =>
    el("option", { value: d.dataset, selected: d.dataset === dataset }, d.dataset)));
  const prefixInput = el("input", { id: "prefix", value: prefix, placeholder: "key prefix", size: 30 });
  const apply = () => {
    location.search = new URLSearchParams({ view: "series", dataset: datasetPick.value, prefix: prefixInput.value }).toString();
  };
  const load = async (cursor) => {
    const page = await get("/api/v1/series", { dataset: datasetPick.value, prefix, cursor, limit: 100 });
    body.append(...page.items.map((s) => el("tr", {}, el("td", {}, seriesLink(page.dataset, s.series)), el("td", {}, when(s.last)))));
    more.hidden = !page.next_cursor;
    more.onclick = () => load(page.next_cursor);
  };
  root.replaceChildren(el("h2", {}, "Series"),
    el("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); apply(); } },
      el("label", {}, "dataset", datasetPick), el("label", {}, "key starts with", prefixInput),
      el("button", { type: "submit" }, "Find")),
    el("table", { id: "series-list" }, el("thead", {}, el("tr", {}, el("th", {}, "series"), el("th", {}, "newest"))), body),
    more);
  if (datasetPick.value) await load();
}

export async function seriesView(root, params) {
  const dataset = params.get("dataset") || "";
  const series = params.get("series");
  if (!series) {
    const datasets = (await get("/api/v1/datasets")).items;
    return seriesPicker(root, datasets, dataset || (datasets[0] && datasets[0].dataset) || "", params.get("prefix") || "");
  }
  const chart = el("div", { class: "chart", id: "series-chart" });
  const days = params.get("days");
  const buttons = Object.entries(RANGES).map(([label, n]) => el("button", {
    type: "button", "aria-pressed": String(String(n) === String(days ?? "null")),
    onclick: () => {
      const next = new URLSearchParams(params);
      if (n === null) next.delete("days"); else next.set("days", n);
      location.search = next.toString();
    },
  }, label));
  root.replaceChildren(el("h2", {}, series), el("p", { class: "muted" }, `dataset ${dataset} · `,
    el("a", { href: `/?view=anomalies&dataset=${encodeURIComponent(dataset)}&series=${encodeURIComponent(series)}&min_severity=0` }, "its anomalies")),
    el("div", { class: "ranges actions" }, buttons), chart);
  // A range ends at the series' newest point, so a replayed history shows as a live one.
  let since;
  if (days) {
    const last = await get("/api/v1/series/points", { dataset, series, limit: 1 });
    const newest = last.points.length ? last.points[0].t : Date.now();
    since = new Date(newest - Number(days) * 86400000).toISOString();
  }
  await drawSeriesChart(chart, { dataset, series, measure: params.get("measure"), since });
}
