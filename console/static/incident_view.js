// One incident: what happened, its timeline (every version), its contributors, the buttons
// (relevant / not relevant, acknowledge, snooze), and the chart of a contributor's series with
// its band and anomalies around the incident.

import { del, get, post } from "./api.js";
import { el, number, seriesLink, severityBadge, when } from "./format.js";
import { drawSeriesChart } from "./series_chart.js";

const DAY_MS = 86400000;
const CONTEXT_BEFORE_MS = 3 * DAY_MS; // enough history to see the series' normal days

function controlText(control) {
  if (!control) return "Not acknowledged, not snoozed.";
  const parts = [];
  if (control.acknowledged_at) parts.push(`Acknowledged ${when(control.acknowledged_at)}.`);
  if (control.snoozed_until) {
    const until = Date.parse(control.snoozed_until);
    parts.push(until > Date.now() ? `Snoozed until ${when(control.snoozed_until)}: the sinks hold its versions.`
      : `Snooze ended ${when(control.snoozed_until)}.`);
  }
  if (control.note) parts.push(`Note: ${control.note}`);
  return parts.join(" ") || "Not acknowledged, not snoozed.";
}

function timeline(versions) {
  return el("ol", { class: "timeline", id: "timeline" }, versions.map((v) => el("li", { class: v.status },
    el("strong", {}, `v${v.version} ${v.status}`), ` ${when(v.updated_at)} · severity ${v.severity} · `,
    `interval ${when(v.interval_start)} · ${v.contributors_total ?? v.contributors.length} series · ${v.title}`)));
}

export async function incidentView(root, incidentId) {
  const view = await get(`/api/v1/incidents/${encodeURIComponent(incidentId)}`);
  const incident = view.incident;
  const message = el("p", { id: "action-result", role: "status", class: "muted" });
  const chart = el("div", { class: "chart", id: "incident-chart" });
  const act = async (what, send) => {
    message.textContent = `${what}…`;
    try {
      const answer = await send();
      message.textContent = `${what}: done.`;
      // The control as written to its topic: the store shows it once the console has read it.
      if (answer && "control" in answer) control.textContent = controlText(answer.control);
    } catch (error) {
      message.textContent = `${what}: ${error.message}`;
    }
  };
  const base = `/api/v1/incidents/${encodeURIComponent(incidentId)}`;
  const snoozeFor = el("select", { id: "snooze-for", "aria-label": "snooze for" },
    ["1h", "4h", "1d", "7d"].map((d) => el("option", { value: d }, d)));
  const control = el("p", { id: "control" }, controlText(view.control));
  const since = Date.parse(incident.first_interval_start) - CONTEXT_BEFORE_MS;
  const end = Date.parse(incident.resolved_at || incident.interval_end);
  const show = (contributor) => drawSeriesChart(chart, {
    dataset: incident.dataset, series: contributor.series, measure: contributor.measure,
    since: new Date(since).toISOString(), until: new Date(end + DAY_MS).toISOString(),
    highlight: { from: Date.parse(incident.first_interval_start), to: Date.parse(incident.interval_end) },
  }).catch((error) => { chart.textContent = error.message; });
  const contributors = el("table", { id: "contributors" },
    el("thead", {}, el("tr", {}, ["series", "measure", "value", "expected", "deviation", "severity", "share", ""]
      .map((n) => el("th", {}, n)))),
    el("tbody", {}, incident.contributors.map((c) => el("tr", {},
      el("td", {}, seriesLink(incident.dataset, c.series)), el("td", {}, c.measure ?? "no data"),
      el("td", { class: "num" }, number(c.value)),
      el("td", {}, c.expected_low === null || c.expected_low === undefined ? ""
        : `${number(c.expected_low)}..${number(c.expected_high)}`),
      el("td", { class: "num" }, number(c.deviation)), el("td", {}, severityBadge(c.severity)),
      el("td", { class: "num" }, `${Math.round(c.share * 100)}%`),
      el("td", {}, el("button", { type: "button", onclick: () => show(c) }, "chart"))))));
  const group = Object.entries(incident.group).map(([k, v]) => `${k}=${v}`).join(", ");
  root.replaceChildren(
    el("h2", { id: "incident-title" }, severityBadge(incident.severity), " ", incident.title),
    el("p", {}, el("span", { class: "status", id: "incident-status" }, incident.status),
      ` · dataset ${incident.dataset}${group ? ` · ${group}` : ""} · opened ${when(incident.first_interval_start)}`,
      incident.resolved_at ? ` · resolved ${when(incident.resolved_at)}` : ""),
    control,
    el("div", { class: "actions" },
      el("button", { type: "button", id: "relevant", onclick: () => act("Relevant", () => post(`${base}/feedback`, { verdict: "relevant" })) }, "Relevant"),
      el("button", { type: "button", id: "not-relevant", onclick: () => act("Not relevant", () => post(`${base}/feedback`, { verdict: "not_relevant" })) }, "Not relevant"),
      el("button", { type: "button", id: "acknowledge", onclick: () => act("Acknowledge", () => post(`${base}/acknowledge`, {})) }, "Acknowledge"),
      snoozeFor,
      el("button", { type: "button", id: "snooze", onclick: () => act(`Snooze ${snoozeFor.value}`, () => post(`${base}/snooze`, { duration: snoozeFor.value })) }, "Snooze"),
      el("button", { type: "button", id: "unsnooze", onclick: () => act("End snooze", () => del(`${base}/snooze`)) }, "End snooze")),
    message,
    chart,
    el("h3", {}, "Contributors"), contributors,
    el("h3", {}, "Timeline"), timeline(view.versions),
    view.feedback.length ? el("p", {}, `Feedback: ${view.feedback.map((f) => f.verdict).join(", ")}`) : "");
  const first = incident.contributors.find((c) => c.measure) || incident.contributors[0];
  if (first) await show(first);
}
