// The console's API as the page uses it: the tokens (kept in this tab's sessionStorage, sent
// as bearer tokens, never put in a URL) and errors said plainly on the page.

const READ_KEY = "dexwatch-console-token";
const WRITE_KEY = "dexwatch-console-write-token";

export class ApiError extends Error {}

export function tokens() {
  return {
    read: sessionStorage.getItem(READ_KEY) || "",
    write: sessionStorage.getItem(WRITE_KEY) || "",
  };
}

export function setTokens(read, write) {
  for (const [key, value] of [[READ_KEY, read], [WRITE_KEY, write]]) {
    if (value) sessionStorage.setItem(key, value);
    else sessionStorage.removeItem(key);
  }
}

function explain(status, body) {
  const detail = body && body.detail ? body.detail : "";
  if (status === 401) {
    return `The console wants its token (401): ${detail || "send the read token"}. ` +
      "Paste DEXWATCH_CONSOLE__TOKEN in the Token field above.";
  }
  if (status === 403) {
    return `The console refused the token (403): ${detail || "not valid here"}. ` +
      "Check the token in the field above against DEXWATCH_CONSOLE__TOKEN " +
      "(writes need DEXWATCH_CONSOLE__WRITE_TOKEN in the Write token field).";
  }
  const parameter = body && body.parameter ? ` (parameter ${body.parameter})` : "";
  return `The console answered ${status}${parameter}: ${detail || "no detail"}`;
}

async function call(method, path, { params = {}, body = undefined, write = false } = {}) {
  const { read, write: writeToken } = tokens();
  const token = write ? writeToken || read : read;
  if (!token) {
    throw new ApiError(
      "No token given: paste the console's read token (DEXWATCH_CONSOLE__TOKEN) in the " +
      "Token field above and press Use.");
  }
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let answer;
  try {
    answer = await fetch(url, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(`Cannot reach the console's API at ${url.origin}: ${error.message}`);
  }
  let decoded = null;
  try { decoded = await answer.json(); } catch { decoded = null; }
  if (!answer.ok) throw new ApiError(explain(answer.status, decoded));
  return decoded;
}

export const get = (path, params) => call("GET", path, { params });
export const post = (path, body) => call("POST", path, { body, write: true });
export const del = (path) => call("DELETE", path, { write: true });
