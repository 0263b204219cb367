// The start page: the datasets in the store, and the anomaly list with a severity slider and
// filters (dataset, series, a dimension, kind, time range), paged by the API's cursors.

import { get } from "./api.js";
import { el, number, seriesLink, severityBadge, when } from "./format.js";

function datasetsTable(items, onPick) {
  if (!items.length) return el("p", { class: "muted" }, "No datasets in the store yet.");
  return el("table", { id: "datasets" },
    el("thead", {}, el("tr", {}, ["dataset", "series", "anomalies", "open incidents", "newest"]
      .map((name, i) => el("th", { class: i && i < 4 ? "num" : undefined }, name)))),
    el("tbody", {}, items.map((d) => el("tr", {},
      el("td", {}, el("a", { href: "#", onclick: (e) => { e.preventDefault(); onPick(d.dataset); } }, d.dataset)),
      el("td", { class: "num" }, d.series), el("td", { class: "num" }, d.anomalies),
      el("td", { class: "num" }, d.open_incidents), el("td", {}, when(d.newest))))));
}

function anomalyRow(a) {
  const measures = a.measures.map((m) =>
    `${m.measure} ${number(m.value)} (expected ${number(m.expected_low)}..${number(m.expected_high)})`);
  return el("tr", {},
    el("td", {}, when(a.interval_start)), el("td", {}, a.dataset),
    el("td", {}, seriesLink(a.dataset, a.series)), el("td", {}, severityBadge(a.severity)),
    el("td", {}, a.kind === "no_data" ? "no data" : measures.join("; ")),
    el("td", { class: "muted" }, a.explanation || ""));
}

export async function anomaliesView(root, params) {
  const datasets = (await get("/api/v1/datasets")).items;
  const f = {
    dataset: params.get("dataset") || "", series: params.get("series") || "",
    dim: params.get("dim") || "", kind: params.get("kind") || "",
    min_severity: params.get("min_severity") || "50",
    since: params.get("since") || "", until: params.get("until") || "",
  };
  const slider = el("input", { type: "range", id: "min-severity", min: 0, max: 100, step: 1, value: f.min_severity });
  const sliderValue = el("output", { for: "min-severity" }, f.min_severity);
  slider.addEventListener("input", () => { sliderValue.textContent = slider.value; });
  const dataset = el("select", { id: "dataset" }, el("option", { value: "" }, "all"),
    datasets.map((d) => el("option", { value: d.dataset, selected: d.dataset === f.dataset }, d.dataset)));
  const kind = el("select", { id: "kind" }, ["", "anomaly", "no_data"].map((k) =>
    el("option", { value: k, selected: k === f.kind }, k || "any")));
  const series = el("input", { id: "series", value: f.series, placeholder: "series key", size: 30 });
  const dim = el("input", { id: "dim", value: f.dim, placeholder: "pool=0x88e6…", size: 18 });
  const since = el("input", { id: "since", type: "datetime-local", value: f.since });
  const until = el("input", { id: "until", type: "datetime-local", value: f.until });
  const apply = () => {
    const next = new URLSearchParams({ view: "anomalies" });
    for (const [name, input] of Object.entries({ dataset, series, dim, kind, since, until })) {
      if (input.value) next.set(name, input.value);
    }
    next.set("min_severity", slider.value);
    location.search = next.toString();
  };
  slider.addEventListener("change", apply);
  const form = el("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); apply(); } },
    el("label", {}, "min severity ", el("span", {}, slider, " ", sliderValue)),
    el("label", {}, "dataset", dataset), el("label", {}, "kind", kind),
    el("label", {}, "series", series), el("label", {}, "dimension", dim),
    el("label", {}, "since (UTC)", since), el("label", {}, "until (UTC)", until),
    el("button", { type: "submit" }, "Filter"));
  const body = el("tbody");
  const more = el("button", { type: "button", hidden: true }, "More");
  const query = { dataset: f.dataset, series: f.series, kind: f.kind, min_severity: f.min_severity,
    since: f.since && `${f.since}:00Z`, until: f.until && `${f.until}:00Z`, limit: 100 };
  const [dimName, dimValue] = f.dim.split("=");
  if (dimName && dimValue) query[`dim.${dimName.trim()}`] = dimValue.trim();
  const load = async (cursor) => {
    const page = await get("/api/v1/anomalies", { ...query, cursor });
    body.append(...page.items.map(anomalyRow));
    if (!body.children.length) body.append(el("tr", {}, el("td", { colspan: 6, class: "muted" }, "No anomaly matches.")));
    more.hidden = !page.next_cursor;
    more.onclick = () => load(page.next_cursor);
  };
  root.replaceChildren(
    el("h2", {}, "Datasets"),
    datasetsTable(datasets, (name) => { dataset.value = name; apply(); }),
    el("h2", {}, "Anomalies"), form,
    el("table", { id: "anomalies" }, el("thead", {}, el("tr", {},
      ["interval", "dataset", "series", "severity", "measures", "explanation"].map((n) => el("th", {}, n)))), body),
    more);
  await load();
}
