// Small formatting helpers shared by the views.

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function band(severity) {
  if (severity >= 90) return "critical";
  if (severity >= 70) return "high";
  return severity >= 50 ? "medium" : "low";
}

export function severityBadge(severity) {
  return el("span", { class: `sev ${band(severity)}`, title: `severity ${severity}` }, severity);
}

export function when(iso) {
  if (!iso) return "";
  return new Date(iso).toISOString().replace("T", " ").replace(/:\d\d(\.\d+)?Z$/, " UTC");
}

export function number(value) {
  if (value === undefined || value === null) return "";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e9) return `${(value / 1e9).toPrecision(3)}B`;
  if (magnitude >= 1e6) return `${(value / 1e6).toPrecision(3)}M`;
  if (magnitude >= 1e3) return `${(value / 1e3).toPrecision(3)}k`;
  return magnitude >= 1 || magnitude === 0 ? value.toPrecision(3) : value.toPrecision(2);
}

export function seriesLink(dataset, series, label = series) {
  const url = `/?view=series&dataset=${encodeURIComponent(dataset)}&series=${encodeURIComponent(series)}`;
  return el("a", { href: url }, label);
}

export function incidentLink(id, label) {
  return el("a", { href: `/incidents/${encodeURIComponent(id)}` }, label);
}
