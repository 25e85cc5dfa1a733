// Web chat client. Stores nothing in the browser beyond this tab's session id
// (sessionStorage), which the quick exit clears.
(function () {
  "use strict";
  const log = document.getElementById("log");
  const form = document.getElementById("form");
  const input = document.getElementById("text");
  let cursor = 0;
  let inflight = 0; // while a send is in flight its replies come with it, not from the poll
  let session = sessionStorage.getItem("chat-session");
  if (!session) {
    const bytes = new Uint8Array(18);
    crypto.getRandomValues(bytes);
    session = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    sessionStorage.setItem("chat-session", session);
  }
  const WHO = { operator: "Munkatárs", bot: "", system: "" };

  function show(from, text, buttons) {
    if (text) {
      const div = document.createElement("div");
      div.className = "msg " + from;
      if (WHO[from]) {
        const who = document.createElement("span");
        who.className = "who";
        who.textContent = WHO[from];
        div.appendChild(who);
      }
      div.appendChild(document.createTextNode(text));
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

  async function send(text, payload) {
    show("person", text);
    inflight++;
    const body = payload ? { session, payload } : { session, text };
    try {
      const resp = await fetch("/api/chat", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      const data = await resp.json();
      for (const r of data.replies) show("bot", r.text, r.buttons);
      cursor = Math.max(cursor, data.cursor || 0);
    } catch (e) {
      show("system", "Az üzenet most nem ment el. Próbáld újra! Ha veszélyben vagy, hívd a 112-t.");
    } finally {
      inflight--;
    }
  }

  async function poll() {
    try {
      const resp = inflight ? null : await fetch(`/api/chat/${session}/messages?after=${cursor}`);
      if (resp && resp.ok && !inflight) {
        const data = await resp.json();
        for (const m of data.messages) if (m.seq > cursor) show(m.from, m.text, m.buttons);
        cursor = Math.max(cursor, data.cursor || 0);
      }
    } catch (e) { /* the next poll tries again */ }
    setTimeout(poll, 2000);
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
    sessionStorage.clear();
    log.textContent = "";
    // replace() leaves no entry to go "back" to.
    window.location.replace("https://www.google.com/search?q=id%C5%91j%C3%A1r%C3%A1s");
  });
  poll();
})();
