// Operator console. Live data comes over one websocket (queue snapshots and the open
// chat's transcript after our cursor); actions are fetch() calls with the CSRF token.
// Everything from the server is inserted as text (textContent), never as HTML.
(function () {
  "use strict";
  const { $, el, showError, api, act } = window.ConsoleCommon;
  const meta = (n) => document.querySelector(`meta[name="${n}"]`).content;
  const ME = meta("operator");
  const SUPERVISOR = meta("role") === "supervisor";
  const LEVEL_HU = { immediate: "azonnali", high: "magas", concern: "aggodalom", none: "nincs", requested: "kérte" };
  const SKILL_HU = { child: "gyermek", adult: "felnőtt bejelentő", professional: "szakmai konzultáció" };
  // The screen's categories in the operators' words; "classifier:0.93" in the phrases means the
  // statistical signal (no phrase of the word list) raised it: read the message itself.
  const CATEGORY_HU = {
    life_threat: "életveszély", suicide_self_harm: "öngyilkosság, önsértés", physical_abuse: "fizikai bántalmazás",
    sexual_abuse: "szexuális bántalmazás", trafficking: "emberkereskedelem, kényszerprostitúció", neglect: "elhanyagolás",
    domestic_violence: "családon belüli erőszak", runaway_homeless: "szökés, utcára került", bullying: "iskolai bántalmazás, zaklatás",
    missing_child: "eltűnt gyermek",
    unclassified_danger: "veszély (statisztikai jelzés)",
  };
  const categoriesHu = (cats) => cats.map((c) => CATEGORY_HU[c] || c).join(", ");
  // The statistical signals' evidence is a score, not a phrase of the message: say so.
  const matchHu = (m) => m.replace(/^classifier:/, "statisztikai jelzés ").replace(/^urgency:/, "sürgősségi jelzés ");
  const matchesHu = (ms, n) => "„" + ms.slice(0, n).map(matchHu).join("”, „") + "”";
  const WHO_HU = { person: "Személy", bot: "Bot", system: "Rendszer", operator: "Operátor" };
  const STATE_HU = { bot: "bot", queued: "sorban", live: "élő", closed: "lezárva" };

  let ws = null;
  let retry = 500;
  let current = null;      // open conversation id
  let cursor = 0;          // last transcript seq shown for it
  let lastQueue = { waiting: [], live: [] };
  let lists = { outcomes: [], canned: [], skills: [] };
  let serverSkew = 0;

  function fmtWait(s) {
    s = Math.max(0, Math.floor(s));
    if (s < 60) return s + " mp";
    if (s < 3600) return Math.floor(s / 60) + " perc " + (s % 60) + " mp";
    return Math.floor(s / 3600) + " óra " + Math.floor((s % 3600) / 60) + " perc";
  }


  // -- websocket ----------------------------------------------------------------
  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(`${proto}//${location.host}/console/ws`);
    ws.onopen = () => {
      retry = 500;
      $("conn").textContent = "online"; $("conn").classList.remove("off");
      if (current) ws.send(JSON.stringify({ type: "subscribe", id: current, after: cursor }));
    };
    ws.onmessage = (ev) => {
      const msg = JSON.parse(ev.data);
      if (msg.type === "queue") renderQueue(msg);
      else if (msg.type === "entries" && msg.id === current) addEntries(msg.entries);
    };
    ws.onclose = () => {
      $("conn").textContent = "nincs kapcsolat"; $("conn").classList.add("off");
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
    if (c.level && c.level !== "none") line.appendChild(el("span", "badge " + c.level, LEVEL_HU[c.level] || c.level));
    if (c.priority && c.priority !== c.level) line.appendChild(el("span", "badge", LEVEL_HU[c.priority] || c.priority));
    line.appendChild(el("strong", "", c.short));
    line.appendChild(el("span", "small", `${SKILL_HU[c.skill] || c.skill} · ${c.channel || "?"}`));
    li.appendChild(line);
    if (c.reason === "blocked_danger") li.appendChild(el("div", "small", "korábban letiltva"));
    if (c.unreadable) li.appendChild(el("div", "small", "olvashatatlan rekord: szóljon a rendszergazdának"));
    if (c.categories && c.categories.length) li.appendChild(el("div", "small", categoriesHu(c.categories)));
    if (c.matches && c.matches.length) li.appendChild(el("div", "matches", matchesHu(c.matches, 4)));
    const info = el("div", "small");
    if (waiting) {
      info.textContent = `vár: ${fmtWait(c.waiting_seconds)} · ${c.position}. a sorban`;
      info.dataset.enqueuedAgo = String(c.waiting_seconds);
    } else {
      info.textContent = SUPERVISOR ? `operátor: ${c.operator}` : "élő";
    }
    li.appendChild(info);
    li.addEventListener("click", () => open(c.id));
    return li;
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
    document.title = (total ? `(${total}${urgent.length ? "!" : ""}) ` : "") + "Operátori konzol";
    let fresh = false;
    for (const c of urgent) if (!seenUrgent.has(c.id)) { seenUrgent.add(c.id); fresh = true; }
    if (fresh) tone();
  }

  function renderQueue(msg) {
    lastQueue = msg;
    alertUrgent(msg.waiting);
    serverSkew = Date.now() / 1000 - msg.now;
    const q = $("queue");
    q.replaceChildren(...msg.waiting.map((c) => item(c, true)));
    // The snapshot carries the head of the queue (what is taken next) and the whole count.
    const total = msg.waiting_total ?? msg.waiting.length;
    if (total > msg.waiting.length) {
      const more = el("li", "queue-more", `… és még ${total - msg.waiting.length} várakozó`);
      more.setAttribute("data-testid", "queue-more");
      q.appendChild(more);
    }
    $("waiting-count").textContent = String(total);
    $("queue-empty").classList.toggle("hidden", total > 0);
    $("mine").replaceChildren(...msg.live.map((c) => item(c, false)));
    const sel = $("transfer-to");
    const keep = sel.value;
    sel.replaceChildren(el("option", "", "Átadás kinek…"));
    sel.firstChild.value = "";
    for (const s of lists.skills) {
      const o = el("option", "", "Sor: " + (SKILL_HU[s] || s)); o.value = "skill:" + s; sel.appendChild(o);
    }
    for (const name of msg.online) {
      if (name === ME) continue;
      const o = el("option", "", "Kolléga: " + name); o.value = "op:" + name; sel.appendChild(o);
    }
    sel.value = keep;
    if (SUPERVISOR && msg.supervisor) {
      const s = msg.supervisor;
      $("sup-stats").textContent = `Várakozik: ${s.waiting} · leghosszabb várakozás: ${fmtWait(s.longest_wait)} · élő: ${s.live}`;
      $("sup-ops").replaceChildren(...s.operators.map((o) => {
        const tr = el("tr");
        tr.appendChild(el("td", "", o.name));
        tr.appendChild(el("td", "", o.skills.map((k) => SKILL_HU[k] || k).join(", ")));
        tr.appendChild(el("td", "", String(o.load)));
        return tr;
      }));
    }
    if (current) refreshHead();
  }

  // -- chat view ----------------------------------------------------------------
  let head = null;
  function refreshHead() {
    const w = lastQueue.waiting.find((c) => c.id === current);
    const l = lastQueue.live.find((c) => c.id === current);
    if (w) head = Object.assign({}, head, { state: "queued", level: w.level, categories: w.categories, matches: w.matches });
    else if (l) head = Object.assign({}, head, { state: "live", operator: l.operator, level: l.level, categories: l.categories });
    else if (head && (head.state === "queued" || head.state === "live")) {
      // It left the lists: closed, returned, or someone else took it. Ask.
      api("GET", `/api/operator/chats/${current}?after=${cursor}`).then((d) => { head = d; drawHead(); }).catch(() => {});
    }
    drawHead();
  }

  function drawHead() {
    if (!head) return;
    $("chat-id").textContent = head.short;
    $("chat-state").textContent = STATE_HU[head.state] || head.state;
    const bits = [LEVEL_HU[head.level] || head.level, SKILL_HU[head.skill] || head.skill, head.channel, head.language];
    if (head.categories && head.categories.length) bits.push(categoriesHu(head.categories));
    if (head.operator) bits.push("operátor: " + head.operator);
    if (head.matches && head.matches.length) bits.push(matchesHu(head.matches, 5));
    $("chat-meta").textContent = bits.filter(Boolean).join(" · ");
    const mine = head.state === "live" && (head.operator === ME || SUPERVISOR);
    $("take").classList.toggle("hidden", head.state !== "queued");
    for (const id of ["send-form", "transfer-form"]) $(id).classList.toggle("hidden", !mine);
    $("close-form").classList.toggle("hidden", !(mine || (SUPERVISOR && head.state === "queued")));
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
    if ($("verdict-form").dataset.for !== current && head.level) {
      $("verdict-form").dataset.for = current;
      $("verdict-level").value = head.level in LEVEL_HU && head.level !== "requested" ? head.level : "none";
      $("verdict-category").value = (head.categories || []).find((c) => c in CATEGORY_HU) || "unclassified_danger";
      $("verdict-done").textContent = "";
    }
  }

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
      let who = WHO_HU[e.from] || e.from;
      if (e.staff) who = e.kind === "note" ? `Belső jegyzet (${e.operator || ""})` : e.kind === "transfer" ? `Átadás (${e.operator} → ${e.to || e.to_skill})` : "Belső";
      else if (e.from === "operator" && e.operator) who += " · " + e.operator;
      if (e.from === "person" && e.level && e.level !== "none") who += ` · ${LEVEL_HU[e.level] || e.level}`;
      const span = el("span", "who", who + " · " + new Date(e.ts * 1000).toLocaleTimeString("hu-HU"));
      div.appendChild(span);
      div.appendChild(document.createTextNode(e.text + (e.buttons.length ? `  [${e.buttons.join(" | ")}]` : "")));
      if (e.matches && e.matches.length) div.appendChild(el("span", "matches", "  („" + e.matches.join("”, „") + "”)"));
      t.appendChild(div);
    }
    t.scrollTop = t.scrollHeight;
  }

  async function open(id) {
    if (ws && ws.readyState === 1 && current && current !== id) ws.send(JSON.stringify({ type: "unsubscribe", id: current }));
    current = id; cursor = 0; head = null;
    $("transcript").replaceChildren();
    showError("");
    $("placeholder").classList.add("hidden");
    $("chat").classList.remove("hidden");
    for (const li of document.querySelectorAll(".queue li")) li.classList.toggle("active", li.dataset.id === id);
    try {
      const d = await api("GET", `/api/operator/chats/${id}`);
      if (current !== id) return;
      head = d; addEntries(d.entries); drawHead();
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
      catch (e) { if (!$("text").value) $("text").value = text; throw e; }
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
  $("verdict-category").replaceChildren(...Object.entries(CATEGORY_HU).map(([k, t]) => {
    const o = el("option", "", t); o.value = k; return o;
  }));
  $("verdict-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const level = $("verdict-level").value;
    act(async () => {
      await api("POST", `/api/operator/chats/${current}/verdict`,
        { level, category: level === "none" ? "" : $("verdict-category").value });
      $("verdict-done").textContent = "rögzítve: " + LEVEL_HU[level];
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
        $("bulk-count").textContent = `${d.count} hasonló várakozó beszélgetés`;
        if (d.count > 0) {
          bulkToken = d.token;
          $("bulk-confirm").textContent = `Mind a ${d.count} letiltása`;
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
      $("bulk-done").textContent = `${d.blocked} beszélgetés letiltva` +
        (d.skipped ? ` (${d.skipped} közben megváltozott, kimaradt)` : "");
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
    if (!to) { showError("Válaszd ki, kinek adod át."); return; }
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
    if (!outcome) { showError("Válassz kimenetelt a lezáráshoz."); return; }
    act(async () => {
      await api("POST", `/api/operator/chats/${current}/close`, { outcome });
      head = Object.assign({}, head, { state: "closed" }); drawHead();
    });
  });
  $("return").addEventListener("click", () => act(async () => {
    await api("POST", `/api/operator/chats/${current}/return`);
    head = Object.assign({}, head, { state: "bot" }); drawHead();
  }));

  // Waiting times tick locally between snapshots.
  setInterval(() => {
    for (const li of document.querySelectorAll("#queue li")) {
      const c = lastQueue.waiting.find((x) => x.id === li.dataset.id);
      const info = li.lastChild;
      if (c && info) {
        const s = c.waiting_seconds + (Date.now() / 1000 - serverSkew - lastQueue.now);
        info.textContent = `vár: ${fmtWait(s)} · ${c.position}. a sorban`;
      }
    }
  }, 1000);

  api("GET", "/api/operator/lists").then((d) => {
    lists = d;
    const sel = $("outcome");
    sel.replaceChildren(el("option", "", "Kimenetel (CHI kategória)…"));
    sel.firstChild.value = "";
    for (const o of d.outcomes) { const opt = el("option", "", o.hu); opt.value = o.id; sel.appendChild(opt); }
    const can = $("canned");
    for (const c of d.canned) { const opt = el("option", "", c.hu.slice(0, 60)); opt.value = c.id; can.appendChild(opt); }
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
