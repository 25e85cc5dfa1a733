// Web chat client. Stores nothing in the browser beyond this tab's session id
// (sessionStorage), which the quick exit clears. Message text only ever reaches the
// page as textContent or as the text of an <a> it builds itself: never as HTML.
(function () {
  "use strict";
  const log = document.getElementById("log");
  const form = document.getElementById("form");
  const input = document.getElementById("text");
  const NEUTRAL = "https://www.google.com/search?q=id%C5%91j%C3%A1r%C3%A1s"; // a weather search
  let cursor = 0;
  let inflight = 0; // while a send is in flight its replies come with it, not from the poll
  let restored = false; // the transcript (both sides) is on the page
  let session = sessionStorage.getItem("chat-session");
  if (!session) {
    const bytes = new Uint8Array(18);
    crypto.getRandomValues(bytes);
    session = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    sessionStorage.setItem("chat-session", session);
  }
  // The page's words come with the page (bot/web/routes.py fills them from wording/web.yml).
  const WHO = { operator: document.body.dataset.operator, bot: "", system: "" };

  // Tap-to-call only for the numbers the service itself gives (shared/seeds): a case
  // code or an age must never turn into a call. Spaces, no-break spaces or dashes between groups.
  const NUMBERS = ["06 80 20 55 20", "06 80 225 225", "116 111", "116 000", "116 006", "112"];
  const PHONE = NUMBERS.map((n) => n.split(" ").join("[ \\u00a0-]?")).join("|");
  const EMAIL = "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}";
  const LINK = new RegExp(`(?<![\\d])(?:${PHONE})(?![\\d])|${EMAIL}`, "g");

  function appendLinked(parent, text) {
    let last = 0;
    for (const m of text.matchAll(LINK)) {
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      const a = document.createElement("a");
      a.href = m[0].includes("@") ? "mailto:" + m[0] : "tel:" + m[0].replace(/\D/g, "");
      a.textContent = m[0];
      parent.appendChild(a);
      last = m.index + m[0].length;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function show(from, text, buttons) {
    if (text) {
      const div = document.createElement("div");
      div.className = "msg " + (from in WHO || from === "person" ? from : "bot");
      if (WHO[from]) {
        const who = document.createElement("span");
        who.className = "who";
        who.textContent = WHO[from];
        div.appendChild(who);
      }
      if (from === "person") div.appendChild(document.createTextNode(text));
      else appendLinked(div, text);
      log.appendChild(div);
    }
    if (buttons && buttons.length) {
      const row = document.createElement("div");
      row.className = "buttons";
      for (const b of buttons) {
        const btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = b.title;
        btn.addEventListener("click", () => send(b.title, b.payload));
        row.appendChild(btn);
      }
      log.appendChild(row);
    }
    log.scrollTop = log.scrollHeight;
  }

  // quiet: the page's own request (the greeting), not something the person wrote.
  async function send(text, payload, quiet) {
    if (!quiet) show("person", text);
    inflight++;
    // An id of its own: a request the load balancer replays (its server died with it) is
    // answered without being recorded twice.
    const id = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");
    const body = payload ? { session, payload, id } : { session, text, id };
    try {
      const resp = await fetch("/api/chat", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
      // A refusal for too many new chats (429) still carries the numbers to show.
      const data = resp.ok || resp.status === 429 ? await resp.json() : null;
      if (!data || !Array.isArray(data.replies)) throw new Error("HTTP " + resp.status);
      for (const r of data.replies) show("bot", r.text, r.buttons);
      cursor = Math.max(cursor, data.cursor || 0);
    } catch (e) {
      show("system", document.body.dataset.sendFailed);
    } finally {
      inflight--;
    }
  }

  // After a reload: both sides of the conversation, in order; the buttons of the last
  // answer only. An empty transcript gets the bot's greeting with its buttons.
  async function restore() {
    const resp = await fetch(`/api/chat/${session}/messages?after=0&mine=1`);
    if (!resp.ok || inflight) return;
    const data = await resp.json();
    log.textContent = "";
    data.messages.forEach((m, i) => {
      const last = i === data.messages.length - 1 && m.from !== "person";
      show(m.from, m.text, last ? m.buttons : null);
    });
    cursor = Math.max(cursor, data.cursor || 0);
    restored = true;
    if (!data.cursor) await send("", "/greet", true);
  }

  async function poll() {
    try {
      if (!restored) {
        if (!inflight) await restore();
      } else {
        const resp = inflight ? null : await fetch(`/api/chat/${session}/messages?after=${cursor}`);
        if (resp && resp.ok && !inflight) {
          const data = await resp.json();
          for (const m of data.messages) if (m.seq > cursor) show(m.from, m.text, m.buttons);
          cursor = Math.max(cursor, data.cursor || 0);
        }
      }
    } catch (e) { /* the next poll tries again */ }
    setTimeout(poll, restored ? 2000 : 1000);
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); form.requestSubmit(); }
  });
  document.getElementById("exit").addEventListener("click", () => {
    // Nobody should wait in the queue for someone who has gone: the request outlives
    // the page (keepalive) and the page does not wait for it.
    try {
      fetch(`/api/chat/${session}/leave`, {
        method: "POST", keepalive: true, headers: { "Content-Type": "application/json" }, body: "{}",
      }).catch(() => {});
    } catch (e) { /* leaving matters more */ }
    sessionStorage.clear();
    log.textContent = "";
    input.value = "";
    // replace() leaves no entry to go "back" to.
    window.location.replace(NEUTRAL);
  });
  poll();
})();
