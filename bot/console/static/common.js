// Shared by the console's pages: DOM helpers and the JSON API call with the CSRF token.
// Everything from the server is inserted as text (textContent), never as HTML.
window.ConsoleCommon = (function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const CSRF = document.querySelector('meta[name="csrf-token"]').content;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function showError(msg) { $("error").textContent = msg || ""; }

  async function api(method, path, body) {
    const resp = await fetch(path, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": CSRF },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (resp.status === 401) { window.location.assign("/console/login"); throw new Error("login"); }
    const data = await resp.json().catch(() => ({}));
    if (!resp.ok) throw new Error(data.error || ("HTTP " + resp.status));
    return data;
  }
  async function act(fn) {
    showError("");
    try { await fn(); } catch (e) { showError(e.message); }
  }
  return { $, el, showError, api, act };
})();
