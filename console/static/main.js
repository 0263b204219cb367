// The console page: one module per view, chosen by the URL (/incidents/<id>, or /?view=...).
// Everything it shows comes from the API with the token given above; errors are shown, not
// swallowed.

import { ApiError, setTokens, tokens } from "./api.js";
import { anomaliesView } from "./anomalies_view.js";
import { incidentView } from "./incident_view.js";
import { incidentsView } from "./incidents_view.js";
import { seriesView } from "./series_view.js";

const root = document.getElementById("view");
const errorBox = document.getElementById("error");

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = false;
  root.replaceChildren();
}

async function route() {
  errorBox.hidden = true;
  const incident = location.pathname.match(/^\/incidents\/([^/]+)\/?$/);
  const params = new URLSearchParams(location.search);
  try {
    if (incident) await incidentView(root, decodeURIComponent(incident[1]));
    else if (params.get("view") === "incidents") await incidentsView(root, params);
    else if (params.get("view") === "series") await seriesView(root, params);
    else await anomaliesView(root, params);
    window.dexwatchLoadedAt = performance.now(); // from navigation start: bench/console_page.py
    document.body.dataset.loaded = "true";
  } catch (error) {
    showError(error instanceof ApiError ? error.message : `The page failed: ${error.message}`);
    document.body.dataset.loaded = "error";
  }
}

const form = document.getElementById("token-form");
const read = document.getElementById("token");
const write = document.getElementById("write-token");
read.value = tokens().read;
write.value = tokens().write;
form.addEventListener("submit", (event) => {
  event.preventDefault();
  setTokens(read.value.trim(), write.value.trim());
  route();
});
route();
