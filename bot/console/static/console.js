// Operator console. Live data comes over one websocket (queue snapshots and the open
// chat's transcript after our cursor); actions are fetch() calls with the CSRF token.
// Everything from the server is inserted as text (textContent), never as HTML; every word
// of our own comes from the catalogue (w, named: wording/console.yml and staff.yml).
(function () {
  "use strict";
  const { $, el, showError, api, act, w, has, named, codes, LOCALE } = window.ConsoleCommon;
  const meta = (n) => document.querySelector(`meta[name="${n}"]`).content;
  const ME = meta("operator");
  const SUPERVISOR = meta("role") === "supervisor";
  const LANG = document.documentElement.lang;
  const level = (c) => named("staff_level_", c);
  const skill = (c) => named("staff_skill_", c);
  // The screen's categories in the operators' words; "classifier:0.93" in the phrases means the
  // statistical signal (no phrase of the word list) raised it: read the message itself.
  const CATEGORIES = codes("console_category_");
  const categories = (cats) => cats.map((c) => named("console_category_", c)).join(", ");
  // The statistical signals' evidence is a score, not a phrase of the message: say so.
  const match = (m) => {
    const signal = /^(classifier|urgency):(.*)$/s.exec(m);
    return signal ? w("console_match_" + signal[1], { score: signal[2] }) : m;
  };
  const quoted = (ms) => ms.map((m) => w("console_quoted", { text: m })).join(", ");
  const matches = (ms, n) => quoted(ms.slice(0, n).map(match));

  let ws = null;
  let retry = 500;
  let current = null;      // open conversation id
  let cursor = 0;          // last transcript seq shown for it
  let lastQueue = { waiting: [], live: [] };
  // The rest of the queue, past the snapshot's head, as far as the operator asked to see it
  // ("Továbbiak": pages of the queue API, appended in priority order).
  let extra = [];          // waiting beyond the head, in queue order
  let extraNext = null;    // cursor of the page after them (null: the end)
  let extraWanted = 0;     // how many beyond the head to keep showing
  let extraLoading = false;
  let extraStale = false;  // the head moved since they were read: read them again
  const PAGE = 100;        // as the snapshot's head (bot.console.views.QUEUE_PAGE)
  let lists = { outcomes: [], canned: [], skills: [] };

  function fmtWait(s) {
    s = Math.max(0, Math.floor(s));
    if (s < 60) return w("console_wait_s", { s });
    if (s < 3600) return w("console_wait_ms", { m: Math.floor(s / 60), s: s % 60 });
    return w("console_wait_hm", { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
  }
  // The place is in the person's own skill queue (what they were told), so it is named with
  // that queue: "1., 2., 1., 3." read as one order at 3 a.m. The list's order is the order.
  const waitLine = (c, s) => w("console_queue_wait", { wait: fmtWait(s), position: c.position, skill: skill(c.skill) });


  // -- websocket ----------------------------------------------------------------
  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(`${proto}//${location.host}/console/ws`);
    ws.onopen = () => {
      retry = 500;
      $("conn").textContent = w("console_online"); $("conn").classList.remove("off");
      if (current) ws.send(JSON.stringify({ type: "subscribe", id: current, after: cursor }));
    };
    ws.onmessage = (ev) => {
      const msg = JSON.parse(ev.data);
      if (msg.type === "queue") renderQueue(msg);
      else if (msg.type === "entries" && msg.id === current) addEntries(msg.entries);
      else if (msg.type === "wrote" && msg.id !== current) markUnread(msg.id);
      else if (msg.type === "erased" && msg.id === current) showErased();
    };
    ws.onclose = () => {
      $("conn").textContent = w("console_offline"); $("conn").classList.add("off");
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  }

  // -- queue and lists ----------------------------------------------------------
  function item(c, waiting) {
    const li = el("li", c.priority || c.level);
    li.dataset.id = c.id;
    li.dataset.testid = waiting ? "queue-item" : "mine-item";
    li.setAttribute("data-testid", waiting ? "queue-item" : "mine-item");
    if (c.id === current) li.classList.add("active");
    const line = el("div", "line");
    if (c.level && c.level !== "none") line.appendChild(el("span", "badge " + c.level, level(c.level)));
    if (c.priority && c.priority !== c.level) line.appendChild(el("span", "badge", level(c.priority)));
    line.appendChild(el("strong", "", c.short));
    line.appendChild(el("span", "small", `${skill(c.skill)} · ${c.channel || "?"}`));
    li.appendChild(line);
    if (c.reason === "blocked_danger") li.appendChild(el("div", "small", w("console_blocked_before")));
    if (c.reason === "left") li.appendChild(el("div", "small", w("console_left_flagged")));
    if (c.unreadable) li.appendChild(el("div", "small", w("console_unreadable")));
    if (!waiting && unread.get(c.id)) {
      li.classList.add("unread");
      line.appendChild(el("span", "badge unread", w("console_unread", { n: unread.get(c.id) })));
    }
    if (c.categories && c.categories.length) li.appendChild(el("div", "small", categories(c.categories)));
    if (c.matches && c.matches.length) li.appendChild(el("div", "matches", matches(c.matches, 4)));
    const info = el("div", "small");
    if (waiting) {
      info.textContent = waitLine(c, c.waiting_seconds);
      info.dataset.enqueuedAgo = String(c.waiting_seconds);
    } else {
      info.textContent = SUPERVISOR ? w("console_operator_is", { name: c.operator }) : w("console_state_live");
    }
    li.appendChild(info);
    li.addEventListener("click", () => open(c.id));
    return li;
  }

  // A person of a live chat who writes while the operator reads another chat: the chat is
  // marked in the list (a count), the tab title says so and the tone plays; opening it clears it.
  const unread = new Map();
  function markUnread(id) {
    if (!lastQueue.live.some((c) => c.id === id)) return;
    unread.set(id, (unread.get(id) || 0) + 1);
    drawMine();
    alertUrgent(lastQueue.waiting);
    tone();
  }
  function drawMine() {
    for (const id of [...unread.keys()]) if (!lastQueue.live.some((c) => c.id === id)) unread.delete(id);
    $("mine").replaceChildren(...lastQueue.live.map((c) => item(c, false)));
  }

  // A new immediate-danger chat must be noticed even when the console is in a background tab
  // at 3 a.m.: the tab title counts the waiting ("!" when one is immediate) and a short tone plays.
  const seenUrgent = new Set();
  let audio = null;
  document.addEventListener("click", () => {
    try { audio = audio || new AudioContext(); if (audio.state === "suspended") audio.resume(); } catch (e) { audio = null; }
  }, { once: true });
  function tone() {
    if (!audio || audio.state !== "running") return;
    const osc = audio.createOscillator(), gain = audio.createGain();
    osc.frequency.value = 880; gain.gain.value = 0.15;
    osc.connect(gain); gain.connect(audio.destination);
    osc.start(); osc.stop(audio.currentTime + 0.35);
  }
  function alertUrgent(waiting) {
    const urgent = waiting.filter((c) => c.level === "immediate" || c.priority === "immediate");
    const total = lastQueue.waiting_total ?? waiting.length;
    const unreadTotal = [...unread.values()].reduce((a, b) => a + b, 0);
    document.title = (unreadTotal ? w("console_unread_title", { n: unreadTotal }) + " " : "") +
      (total ? `(${total}${urgent.length ? "!" : ""}) ` : "") + w("console_title");
    let fresh = false;
    for (const c of urgent) if (!seenUrgent.has(c.id)) { seenUrgent.add(c.id); fresh = true; }
    if (fresh) tone();
  }

  // Everyone shown as waiting: the snapshot's head, then the pages asked for beyond it.
  const shownWaiting = () => lastQueue.waiting.concat(extra);
  const waitingById = (id) => lastQueue.waiting.find((c) => c.id === id) || extra.find((c) => c.id === id);

  function drawWaiting() {
    const head = new Set(lastQueue.waiting.map((c) => c.id));
    extra = extra.filter((c) => !head.has(c.id));
    const q = $("queue");
    q.replaceChildren(...shownWaiting().map((c) => item(c, true)));
    // The snapshot carries the head of the queue (what is taken next) and the whole count;
    // "Továbbiak" fetches the next page of the rest through the queue API.
    const total = lastQueue.waiting_total ?? lastQueue.waiting.length;
    const shown = lastQueue.waiting.length + extra.length;
    if (total > shown) {
      const more = el("li", "queue-more");
      more.setAttribute("data-testid", "queue-more");
      more.appendChild(el("span", "", w("console_queue_more", { n: total - shown })));
      const from = extra.length ? extraNext : lastQueue.waiting_next;
      if (from) {
        const btn = el("button", "", w("console_queue_more_button"));
        btn.type = "button";
        btn.disabled = extraLoading;
        btn.setAttribute("data-testid", "queue-more-button");
        btn.addEventListener("click", () => act(showMore));
        more.appendChild(btn);
      }
      q.appendChild(more);
    }
    $("waiting-count").textContent = String(total);
    $("queue-empty").classList.toggle("hidden", total > 0);
  }

  // One page after what is shown, appended.
  async function showMore() {
    if (extraLoading) return;
    const from = extra.length ? extraNext : lastQueue.waiting_next;
    if (!from) return;
    extraLoading = true;
    try {
      const d = await api("GET", "/api/operator/queue?limit=" + PAGE + "&after=" + encodeURIComponent(from));
      const at = Date.now() / 1000;
      for (const c of d.waiting) c.at = at;
      extra = extra.concat(d.waiting);
      extraNext = d.next;
      extraWanted = extra.length;
    } finally { extraLoading = false; }
    drawWaiting();
    scheduleRefresh();
  }

  // A new snapshot moves the head: the pages beyond it are read again from its end, as many
  // as the operator had opened, so they stay in order and current. One request at a time and
  // at most one every REFRESH_MS however fast snapshots come (a flood changes the queue often).
  const REFRESH_MS = 2000;
  let refreshTimer = null;
  let lastRefresh = 0;
  function scheduleRefresh() {
    if (!extraWanted || !extraStale || refreshTimer) return;
    refreshTimer = setTimeout(refreshExtra, Math.max(0, lastRefresh + REFRESH_MS - Date.now()));
  }
  async function refreshExtra() {
    refreshTimer = null;
    if (extraLoading) return;  // the page being read schedules the next refresh when done
    if (!extraWanted || !extraStale) return;
    extraStale = false;
    extraLoading = true;
    lastRefresh = Date.now();
    const fresh = [];
    let from = lastQueue.waiting_next;
    let next = null;
    try {
      while (from && fresh.length < extraWanted) {
        const d = await api("GET", "/api/operator/queue?limit=" + Math.min(1000, extraWanted - fresh.length) +
          "&after=" + encodeURIComponent(from));
        const at = Date.now() / 1000;
        for (const c of d.waiting) { c.at = at; fresh.push(c); }
        from = next = d.next;
      }
      extra = fresh;
      extraNext = next;
    } catch (e) { extraStale = true; } finally { extraLoading = false; }
    drawWaiting();
    scheduleRefresh();
  }

  function renderQueue(msg) {
    lastQueue = msg;
    const at = Date.now() / 1000;
    for (const c of msg.waiting) if (c.at === undefined) c.at = at;  // when waiting_seconds was true
    alertUrgent(msg.waiting);
    if (extraWanted) { extraStale = true; scheduleRefresh(); }
    drawWaiting();
    drawMine();
    const sel = $("transfer-to");
    const keep = sel.value;
    sel.replaceChildren(el("option", "", w("console_transfer_to")));
    sel.firstChild.value = "";
    for (const s of lists.skills) {
      const o = el("option", "", w("console_transfer_queue", { skill: skill(s) })); o.value = "skill:" + s; sel.appendChild(o);
    }
    for (const name of msg.online) {
      if (name === ME) continue;
      const o = el("option", "", w("console_transfer_colleague", { name })); o.value = "op:" + name; sel.appendChild(o);
    }
    sel.value = keep;
    if (SUPERVISOR && msg.supervisor) {
      const s = msg.supervisor;
      $("sup-stats").textContent = w("console_sup_stats", { waiting: s.waiting, longest: fmtWait(s.longest_wait), live: s.live });
      $("sup-ops").replaceChildren(...s.operators.map((o) => {
        const tr = el("tr");
        tr.appendChild(el("td", "", o.name));
        tr.appendChild(el("td", "", o.skills.map(skill).join(", ")));
        tr.appendChild(el("td", "", String(o.load)));
        return tr;
      }));
    }
    if (current) refreshHead();
  }

  // -- chat view ----------------------------------------------------------------
  let head = null;
  function refreshHead() {
    const q = waitingById(current);
    const l = lastQueue.live.find((c) => c.id === current);
    // Waiting means nobody has it: an operator who closed or lost it earlier is not named.
    if (q) head = Object.assign({}, head, { state: "queued", operator: null, level: q.level, categories: q.categories, matches: q.matches });
    else if (l) head = Object.assign({}, head, { state: "live", operator: l.operator, level: l.level, categories: l.categories });
    else if (head && (head.state === "queued" || head.state === "live")) {
      // It left the lists: closed, returned, or someone else took it. Ask.
      const id = current;
      api("GET", `/api/operator/chats/${id}?after=${cursor}`).then((d) => {
        head = Object.assign(d, { reopen_until: reopenUntil(d) }); drawHead();
      }).catch((e) => { if (e.status === 404 && id === current) showErased(); });
    }
    drawHead();
  }

  // The person used /torles: what the console shows of the chat goes too, and the operator is
  // told why (they typed into a ghost chat and got "no such conversation").
  function showErased() {
    head = Object.assign({}, head, { state: "erased", operator: null, reopen_until: 0 });
    $("transcript").replaceChildren(el("div", "entry staff", w("console_erased_note")));
    $("transcript").lastChild.setAttribute("data-testid", "erased-note");
    drawHead();
  }

  function drawHead() {
    if (!head) return;
    $("chat-id").textContent = head.short;
    $("chat-state").textContent = named("console_state_", head.state);
    const bits = [level(head.level), skill(head.skill), head.channel, head.language];
    if (head.categories && head.categories.length) bits.push(categories(head.categories));
    if (head.operator) bits.push(w("console_operator_is", { name: head.operator }));
    if (head.matches && head.matches.length) bits.push(matches(head.matches, 5));
    $("chat-meta").textContent = bits.filter(Boolean).join(" · ");
    const mine = head.state === "live" && (head.operator === ME || SUPERVISOR);
    $("take").classList.toggle("hidden", head.state !== "queued");
    for (const id of ["send-form", "transfer-form"]) $(id).classList.toggle("hidden", !mine);
    $("close-form").classList.toggle("hidden", !(mine || (SUPERVISOR && head.state === "queued")));
    drawReopen();
    $("note-form").classList.toggle("hidden", !(head.state === "queued" || head.state === "live"));
    // The operator's verdict on the screen (a label for retraining): preset to the screen's
    // level and first category once per opened chat, so a confirmation is one click.
    $("verdict-form").classList.toggle("hidden", !(head.state === "queued" || head.state === "live"));
    // Bulk block (supervisors): this queued chat is the sample of a flood.
    if (SUPERVISOR) {
      $("bulk-form").classList.toggle("hidden", head.state !== "queued");
      if ($("bulk-form").dataset.for !== current) {
        $("bulk-form").dataset.for = current; resetBulk(); $("bulk-done").textContent = "";
      }
    }
    // The preset follows the screen while the operator has not touched it: a level that rose
    // after the chat was opened (a new message) is what a one-click confirmation confirms.
    const form = $("verdict-form");
    const preset = has("staff_level_" + head.level) && head.level !== "requested" ? head.level : "none";
    const category = (head.categories || []).find((c) => CATEGORIES.includes(c)) || "unclassified_danger";
    const untouched = $("verdict-level").value === form.dataset.level && $("verdict-category").value === form.dataset.category;
    if (head.level && (form.dataset.for !== current || (untouched && (preset !== form.dataset.level || category !== form.dataset.category)))) {
      if (form.dataset.for !== current) $("verdict-done").textContent = "";
      form.dataset.for = current;
      form.dataset.level = $("verdict-level").value = preset;
      form.dataset.category = $("verdict-category").value = category;
    }
  }

  // A close made by mistake (the wrong chat at 3 a.m.): its operator may reopen it for a few
  // minutes (REOPEN_MINUTES); the button counts down and goes when the time is up.
  function drawReopen() {
    const left = head && ["closed", "bot", "queued"].includes(head.state) && head.reopen_until
      ? Math.floor(head.reopen_until - Date.now() / 1000) : 0;
    $("reopen").classList.toggle("hidden", left <= 0);
    if (left > 0) $("reopen").textContent = w("console_reopen", { time: fmtWait(left) });
  }
  const reopenUntil = (d) => (d.reopen_seconds > 0 ? Date.now() / 1000 + d.reopen_seconds : 0);

  function addEntries(entries) {
    const t = $("transcript");
    for (const e of entries) {
      if (e.seq <= cursor) continue;
      cursor = e.seq;
      if (!e.text && !e.buttons.length) continue;
      const cls = ["entry", e.staff ? "staff" : e.from];
      if (e.from === "person" && (e.level === "high" || e.level === "immediate")) cls.push("danger");
      const div = el("div", cls.join(" "));
      div.setAttribute("data-testid", "entry-" + (e.staff ? "staff" : e.from));
      let who = named("console_who_", e.from);
      if (e.staff) {
        who = e.kind === "note" ? w("console_who_note", { name: e.operator || "" })
          : e.kind === "transfer" ? w("console_who_transfer", { name: e.operator, to: e.to || e.to_skill })
          : w("console_who_internal");
      } else if (e.from === "operator" && e.operator) who += " · " + e.operator;
      if (e.from === "person" && e.level && e.level !== "none") who += " · " + level(e.level);
      if (e.from === "person" && e.edited) who += " · " + w("console_edited");
      const span = el("span", "who", who + " · " + new Date(e.ts * 1000).toLocaleTimeString(LOCALE));
      div.appendChild(span);
      // "[voice]" as the transcript keeps it: named, and said that it cannot be opened here.
      const media = e.from === "person" && e.kind && e.text === `[${e.kind}]` && has("console_kind_" + e.kind);
      const said = media ? w("console_media", { what: named("console_kind_", e.kind) }) : e.text;
      div.appendChild(document.createTextNode(said + (e.buttons.length ? `  [${e.buttons.join(" | ")}]` : "")));
      if (e.matches && e.matches.length) div.appendChild(el("span", "matches", "  (" + quoted(e.matches) + ")"));
      t.appendChild(div);
    }
    t.scrollTop = t.scrollHeight;
  }

  async function open(id) {
    if (ws && ws.readyState === 1 && current && current !== id) ws.send(JSON.stringify({ type: "unsubscribe", id: current }));
    current = id; cursor = 0; head = null;
    if (unread.delete(id)) { drawMine(); alertUrgent(lastQueue.waiting); }
    $("transcript").replaceChildren();
    showError("");
    $("placeholder").classList.add("hidden");
    $("chat").classList.remove("hidden");
    for (const li of document.querySelectorAll(".queue li")) li.classList.toggle("active", li.dataset.id === id);
    try {
      const d = await api("GET", `/api/operator/chats/${id}`);
      if (current !== id) return;
      head = Object.assign(d, { reopen_until: reopenUntil(d) }); addEntries(d.entries); drawHead();
    } catch (e) { showError(e.message); }
    if (ws && ws.readyState === 1) ws.send(JSON.stringify({ type: "subscribe", id, after: cursor }));
  }


  $("take").addEventListener("click", () => act(async () => {
    const d = await api("POST", `/api/operator/chats/${current}/claim`);
    head = Object.assign({}, head, { state: "live", operator: d.operator }); drawHead();
  }));
  $("send-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = $("text").value.trim();
    if (!text) return;
    // Cleared at once, so a slow reply never wipes what the operator types next;
    // put back if sending failed and nothing new was typed.
    $("text").value = "";
    act(async () => {
      try { await api("POST", `/api/operator/chats/${current}/messages`, { text }); }
      catch (e) {
        if (!$("text").value) $("text").value = text;
        if (e.status === 404) { showErased(); return; }
        throw e;
      }
    });
  });
  $("text").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); $("send-form").requestSubmit(); }
  });
  $("canned").addEventListener("change", () => {
    const c = lists.canned.find((x) => x.id === $("canned").value);
    if (c) {
      const lang = head && head.language === "en" ? "en" : "hu";
      $("text").value = c[lang]; $("text").focus();
    }
    $("canned").value = "";
  });
  $("verdict-category").replaceChildren(...CATEGORIES.map((k) => {
    const o = el("option", "", named("console_category_", k)); o.value = k; return o;
  }));
  $("verdict-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const chosen = $("verdict-level").value;
    act(async () => {
      await api("POST", `/api/operator/chats/${current}/verdict`,
        { level: chosen, category: chosen === "none" ? "" : $("verdict-category").value });
      $("verdict-done").textContent = w("console_verdict_done", { level: level(chosen) });
    });
  });
  // Bulk block: preview how many waiting chats look like this one (first message nearly the
  // same, queued in the last N minutes, never answered by an operator), then confirm.
  let bulkToken = "";
  function resetBulk() {
    bulkToken = "";
    $("bulk-count").textContent = "";
    $("bulk-confirm").classList.add("hidden");
    $("bulk-reason").classList.add("hidden");
  }
  if (SUPERVISOR) {
    $("bulk-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      resetBulk();
      act(async () => {
        const d = await api("POST", "/api/operator/bulk-block/preview",
          { like: current, minutes: parseInt($("bulk-minutes").value, 10) || 30 });
        $("bulk-count").textContent = w("console_bulk_count", { n: d.count });
        if (d.count > 0) {
          bulkToken = d.token;
          $("bulk-confirm").textContent = w("console_bulk_confirm_n", { n: d.count });
          $("bulk-confirm").classList.remove("hidden");
          $("bulk-reason").classList.remove("hidden");
        }
      });
    });
    $("bulk-confirm").addEventListener("click", () => act(async () => {
      if (!bulkToken) return;
      const token = bulkToken;
      bulkToken = "";
      $("bulk-confirm").classList.add("hidden");
      const d = await api("POST", "/api/operator/bulk-block", { token, reason: $("bulk-reason").value.trim() });
      $("bulk-done").textContent = d.skipped ? w("console_bulk_done_skipped", { n: d.blocked, skipped: d.skipped })
        : w("console_bulk_done", { n: d.blocked });
      resetBulk();
    }));
  }
  $("note-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = $("note").value.trim();
    if (!text) return;
    $("note").value = "";
    act(async () => {
      try { await api("POST", `/api/operator/chats/${current}/notes`, { text }); }
      catch (e) { if (!$("note").value) $("note").value = text; throw e; }
    });
  });
  $("transfer-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const to = $("transfer-to").value;
    if (!to) { showError(w("console_transfer_pick")); return; }
    const body = { note: $("transfer-note").value.trim() };
    if (to.startsWith("op:")) body.operator = to.slice(3); else body.skill = to.slice(6);
    act(async () => {
      const d = await api("POST", `/api/operator/chats/${current}/transfer`, body);
      $("transfer-note").value = "";
      head = Object.assign({}, head, { state: d.state, operator: d.operator || "" }); drawHead();
    });
  });
  $("close-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const outcome = $("outcome").value;
    if (!outcome) { showError(w("console_close_pick")); return; }
    // A close says goodbye to the person and cannot be undone: one click at 3 a.m. on the
    // wrong chat must not do it.
    const m = lists.reopen_minutes || 0;
    if (!window.confirm(m > 0 ? w("console_close_confirm", { m }) : w("console_close_confirm_final"))) return;
    act(async () => {
      const d = await api("POST", `/api/operator/chats/${current}/close`, { outcome });
      head = Object.assign({}, head, { state: "closed", operator: null, reopen_until: reopenUntil(d) }); drawHead();
    });
  });
  $("reopen").addEventListener("click", () => act(async () => {
    const d = await api("POST", `/api/operator/chats/${current}/reopen`);
    head = Object.assign({}, head, { state: "live", operator: d.operator, reopen_until: 0 }); drawHead();
  }));
  $("return").addEventListener("click", () => act(async () => {
    await api("POST", `/api/operator/chats/${current}/return`);
    head = Object.assign({}, head, { state: "bot", operator: null }); drawHead();  // nobody has it now
  }));

  // Waiting times tick locally between snapshots.
  setInterval(() => {
    const now = Date.now() / 1000;
    const byId = new Map(shownWaiting().map((c) => [c.id, c]));
    for (const li of document.querySelectorAll("#queue li")) {
      const c = byId.get(li.dataset.id);
      const info = li.lastChild;
      if (c && info) info.textContent = waitLine(c, c.waiting_seconds + (now - c.at));
    }
    if (head) drawReopen();
  }, 1000);

  api("GET", "/api/operator/lists").then((d) => {
    lists = d;
    const sel = $("outcome");
    sel.replaceChildren(el("option", "", w("console_outcome_pick")));
    sel.firstChild.value = "";
    for (const o of d.outcomes) { const opt = el("option", "", o[LANG] || o.hu); opt.value = o.id; sel.appendChild(opt); }
    const can = $("canned");
    for (const c of d.canned) { const opt = el("option", "", (c[LANG] || c.hu).slice(0, 60)); opt.value = c.id; can.appendChild(opt); }
    renderQueue(lastQueue.now ? lastQueue : { waiting: [], live: [], online: [], now: Date.now() / 1000 });
  }).catch(() => {});
  // Reports waiting to be handled: a count on the "Bejelentések" tab.
  function countReports() {
    api("GET", "/api/operator/reports?status=received").then((d) => {
      const n = d.reports.length;
      $("new-reports").textContent = String(n);
      $("new-reports").classList.toggle("hidden", n === 0);
    }).catch(() => {});
  }
  countReports();
  setInterval(countReports, 30000);
  connect();
})();
