// The incident list: each incident's latest version, filtered by status, dataset and severity.

import { get } from "./api.js";
import { el, incidentLink, severityBadge, when } from "./format.js";

export async function incidentsView(root, params) {
  const status = params.get("status") || "open,updated";
  const minSeverity = params.get("min_severity") || "0";
  const dataset = params.get("dataset") || "";
  const body = el("tbody");
  const more = el("button", { type: "button", hidden: true }, "More");
  const statusPick = el("select", { id: "status" }, ["open,updated", "resolved", "open,updated,resolved"]
    .map((s) => el("option", { value: s, selected: s === status }, s.replaceAll(",", ", "))));
  const slider = el("input", { type: "range", min: 0, max: 100, value: minSeverity, id: "incident-min-severity" });
  const shown = el("output", {}, minSeverity);
  slider.addEventListener("input", () => { shown.textContent = slider.value; });
  const apply = () => {
    location.search = new URLSearchParams({ view: "incidents", status: statusPick.value,
      min_severity: slider.value, ...(dataset ? { dataset } : {}) }).toString();
  };
  slider.addEventListener("change", apply);
  statusPick.addEventListener("change", apply);
  const load = async (cursor) => {
    const page = await get("/api/v1/incidents", { status, min_severity: minSeverity, dataset, cursor, limit: 100 });
    body.append(...page.items.map((i) => el("tr", {},
      el("td", {}, when(i.updated_at)), el("td", { class: "status" }, i.status),
      el("td", {}, severityBadge(i.severity)), el("td", {}, i.dataset),
      el("td", {}, incidentLink(i.incident_id, i.title)),
      el("td", { class: "num" }, i.contributors_total ?? i.contributors.length))));
    if (!body.children.length) body.append(el("tr", {}, el("td", { colspan: 6, class: "muted" }, "No incident matches.")));
    more.hidden = !page.next_cursor;
    more.onclick = () => load(page.next_cursor);
  };
  root.replaceChildren(el("h2", {}, "Incidents"),
    el("div", { class: "filters" }, el("label", {}, "status", statusPick),
      el("label", {}, "min severity ", el("span", {}, slider, " ", shown))),
    el("table", { id: "incidents" }, el("thead", {}, el("tr", {},
      ["updated", "status", "severity", "dataset", "title", "series"].map((n) => el("th", {}, n)))), body),
    more);
  await load();
}
