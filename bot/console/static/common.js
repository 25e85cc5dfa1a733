// Shared by the console's pages: DOM helpers, the JSON API call with the CSRF token, and
// the console's words. Everything from the server is inserted as text (textContent), never as HTML.
window.ConsoleCommon = (function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const CSRF = document.querySelector('meta[name="csrf-token"]').content;
  // Every label and sentence the scripts show comes from the text catalogue
  // (wording/console.yml), written into the page as a JSON block (data, never run).
  const WORDS = JSON.parse($("words").textContent);
  const has = (key) => Object.prototype.hasOwnProperty.call(WORDS, key);

  // w("console_queue_wait", { wait, position }): the text, its {placeholders} filled in.
  // A missing key shows itself (tests/test_wording.py keeps that from happening).
  function w(key, values) {
    if (!has(key)) { console.error("no words for " + key); return key; }
    const text = WORDS[key];
    return values ? text.replace(/\{(\w+)\}/g, (m, name) => (Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : m)) : text;
  }
  // named("staff_level_", "high"): the words for a code the server sends; the code itself
  // when the catalogue has none (a new value the console does not know yet).
  const named = (prefix, code) => (has(prefix + code) ? WORDS[prefix + code] : code);
  // codes("console_category_"): the codes listed under a prefix, in the catalogue's order.
  const codes = (prefix) => Object.keys(WORDS).filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  const LOCALE = w("console_locale");

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
    if (!resp.ok) {
      const err = new Error(data.error || ("HTTP " + resp.status));
      err.status = resp.status;  // the caller may know what a 404 or 409 means here
      throw err;
    }
    return data;
  }
  async function act(fn) {
    showError("");
    try { await fn(); } catch (e) { showError(e.message); }
  }
  return { $, el, showError, api, act, w, has, named, codes, LOCALE };
})();
