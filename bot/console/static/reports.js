// Reports view of the operator console: the list, one report, notes, the competent
// authority, the immediate-danger checklist, status, messages for the reporter, the PDF.
// Everything from the server is inserted as text (textContent), never as HTML.
(function () {
  "use strict";
  const { $, el, showError, api, act } = window.ConsoleCommon;
  const BASE = "/api/operator/reports";
  const STATUS_HU = { received: "beérkezett", forwarded: "továbbítva", closed: "lezárva" };
  const FIELD_HU = {
    what: "Mi történt", child_age: "A gyermek életkora", settlement: "Település", address: "Cím",
    danger_now: "Most veszélyben van?", relation: "Ki bántja (kapcsolat)", since: "Mióta", others_know: "Tudnak-e róla mások",
  };
  const VALUE_HU = { unknown: "nem tudja", yes: "igen", no: "nem" };
  const STEP_HU = {
    police: "Rendőrség értesítése (112)",
    welfare_centre: "Család- és gyermekjóléti központ értesítése",
    parents: "A szülők értesítése",
  };
  const ACTION_HU = {
    opened: "megnyitotta", "added note": "jegyzetet írt", "chose authority": "hatóságot választott",
    "exported pdf": "PDF-et exportált", created: "létrehozta",
    "pdf refused: review needed": "PDF-export elutasítva: átnézés kell",
  };
  // The reporter's own data found in the text (kinds only; the values are never sent apart).
  const PII_HU = { phone: "telefonszám", email: "e-mail-cím", name: "a bejelentő neve" };

  // The report's mails to an authority (bot.reports.mail), as the audit log names them.
  const MAIL_ACTIONS = [
    ["mail queued to ", "e-mailt indított: "], ["mail sent to ", "e-mail elküldve: "],
    ["mail failed to ", "e-mail sikertelen, újrapróbálja: "], ["mail given up to ", "e-mail feladva: "],
    ["mail retry to ", "e-mail újraküldése: "], ["mail not queued to ", "e-mail nem indult el: "],
  ];
  const actionHu = (a) => {
    if (ACTION_HU[a]) return ACTION_HU[a];
    if (a === "mail refused: review needed") return "e-mail elutasítva: átnézés kell";
    for (const [en, hu] of MAIL_ACTIONS) if (a.startsWith(en)) return hu + a.slice(en.length);
    return a.startsWith("reviewed personal data") ? "átnézte a bejelentő saját adatait" + a.slice(22) : a;
  };
  const MAIL_STATUS_HU = { queued: "küldésre vár", sent: "elküldve", failed: "sikertelen", gave_up: "feladva" };
  let mailInfo = { enabled: false, directory: [] }; // from .../authorities, per report
  let mailPoll = null;

  let current = null; // rid of the open report

  const when = (ts) => new Date(ts * 1000).toLocaleString("hu-HU");


  // -- the list -------------------------------------------------------------------
  async function loadList() {
    const status = $("status-filter").value;
    const d = await api("GET", BASE + (status ? "?status=" + encodeURIComponent(status) : ""));
    const items = d.reports.map((r) => {
      const li = el("li", r.immediate ? "immediate" : "");
      li.dataset.rid = r.rid;
      li.setAttribute("data-testid", "report-item");
      if (r.rid === current) li.classList.add("active");
      const line = el("div", "line");
      if (r.immediate) line.appendChild(el("span", "badge immediate", "azonnali"));
      line.appendChild(el("strong", "", r.ref));
      line.appendChild(el("span", "badge", STATUS_HU[r.status] || r.status));
      li.appendChild(line);
      const bits = [r.settlement, r.child_age ? r.child_age + " éves" : "", when(r.created)];
      li.appendChild(el("div", "small", bits.filter(Boolean).join(" · ")));
      if (r.additions) li.appendChild(el("div", "small", `${r.additions} kiegészítés a bejelentőtől`));
      if (r.authority) li.appendChild(el("div", "small", "→ " + r.authority));
      if (r.pii_review_needed) li.appendChild(el("div", "small", "⚠ a bejelentő saját adatai: átnézés kell"));
      li.addEventListener("click", () => act(() => open(r.rid)));
      return li;
    });
    $("reports").replaceChildren(...items);
    $("report-count").textContent = String(items.length);
    $("reports-empty").classList.toggle("hidden", items.length > 0);
  }

  // -- one report -----------------------------------------------------------------
  async function open(rid) {
    const d = await api("GET", `${BASE}/${rid}`);
    show(d);
  }

  function show(d) {
    const switched = d.rid !== current;
    if (switched) $("r-message-state").textContent = "";
    current = d.rid;
    $("placeholder").classList.add("hidden");
    $("report").classList.remove("hidden");
    for (const li of document.querySelectorAll("#reports li")) li.classList.toggle("active", li.dataset.rid === current);
    $("r-ref").textContent = "Jelzés " + d.ref;
    $("r-status").textContent = STATUS_HU[d.status] || d.status;
    $("r-immediate").classList.toggle("hidden", !d.immediate);
    const meta = [`beérkezett: ${when(d.created)}`, d.language === "en" ? "angolul" : "magyarul",
      d.linked ? "a bejelentő elérhető az ügyszámon és a beszélgetésen át" : "a bejelentő csak az ügyszámmal tér vissza"];
    $("r-meta").textContent = meta.join(" · ");

    const dl = $("r-fields");
    dl.replaceChildren();
    for (const [name, label] of Object.entries(FIELD_HU)) {
      dl.appendChild(el("dt", "", label));
      const v = d.fields[name];
      dl.appendChild(el("dd", v ? "" : "muted", v ? (VALUE_HU[v] || v) : "(kihagyta)"));
    }
    $("r-additions-box").classList.toggle("hidden", !d.additions.length);
    $("r-additions").replaceChildren(...d.additions.map((a) => el("li", "", `${when(a.ts)}: ${a.text}`)));
    $("r-notes").replaceChildren(...d.notes.map((n) => el("li", "", `${when(n.ts)} · ${n.by}: ${n.text}`)));
    $("r-messages").replaceChildren(...d.messages.map((m) =>
      el("li", "", `${when(m.ts)} · ${m.by}: ${m.text}` + (m.delivered ? " (kézbesítve)" : " (a bejelentő még nem látta)"))));

    const a = d.authority;
    $("r-authority").textContent = a
      ? [a.name, a.address, a.email, a.phone].filter(Boolean).join(" · ") + ` (választotta: ${a.by})`
      : "Még nincs kiválasztva.";
    $("r-status-select").value = d.status;
    $("r-pdf").href = `${BASE}/${d.rid}/pdf`;
    const pii = d.pii || { kinds: [], review_needed: false };
    const needed = !!pii.review_needed;
    $("r-pii").classList.toggle("hidden", !pii.kinds.length && !needed);
    const found = pii.kinds.map((k) => PII_HU[k] || k).join(", ");
    const rv = d.pii_review;
    $("r-pii-text").textContent = needed
      ? `Figyelem: a bejelentés szövege a bejelentő saját adatait tartalmazhatja (${found}). ` +
        "A PDF-ben ezek törölve jelennek meg; exportálás előtt nézd át a szöveget."
      : `A bejelentő saját adatai (${found}) a PDF-ben törölve jelennek meg.` +
        (rv ? ` Átnézte: ${rv.by}, ${when(rv.ts)}.` : "");
    $("r-pii-review").classList.toggle("hidden", !needed);
    $("r-pdf").classList.toggle("disabled", needed);
    $("r-pdf").setAttribute("aria-disabled", needed ? "true" : "false");

    showMail(d, needed);

    $("r-immediate-toggle").checked = !!d.immediate;
    const steps = d.checklist_steps || [];
    const next = steps.find((s) => !s.done);
    $("checklist").replaceChildren(...steps.map((s) => {
      const li = el("li", s.done ? "done" : "");
      li.setAttribute("data-testid", "step-" + s.step);
      li.appendChild(el("strong", "", STEP_HU[s.step] || s.step));
      if (s.done) {
        const r = s.record;
        const how = r.skipped ? "kihagyva: a szülők a veszély forrásai" : "megtörtént";
        li.appendChild(el("span", "small", ` · ${how} · ${when(r.ts)} · ${r.by}` + (r.note ? ` · ${r.note}` : "")));
      } else {
        if (s.not_applicable) li.appendChild(el("span", "small", " · a bejelentés szerint a szülők a veszély forrásai"));
        if (next && next.step === s.step) {
          const form = el("form", "row");
          const note = el("input");
          note.placeholder = "Megjegyzés (pl. ki vette fel, mikor)";
          note.setAttribute("data-testid", "step-note");
          const btn = el("button", "", s.not_applicable ? "Kihagyom (a szülők a forrás)" : "Megtörtént");
          btn.type = "submit";
          btn.setAttribute("data-testid", "step-done");
          form.append(note, btn);
          form.addEventListener("submit", (ev) => {
            ev.preventDefault();
            act(async () => show(await api("POST", `${BASE}/${current}/checklist`, { step: s.step, note: note.value.trim() })));
          });
          li.appendChild(form);
        }
      }
      return li;
    }));
    // The candidates depend on the report's settlement only: fetched once per report, so a
    // choice being made is never reset by a refresh.
    if (switched) loadAuthorities().catch((e) => showError(e.message));
    loadAudit().catch(() => {});
  }

  // Sending the written report by e-mail: only to an address of the directory, after the
  // personal-data review; the delivery status of each mail, with a retry when it failed.
  let shown = null;
  function showMail(d, reviewNeeded) {
    shown = d;
    const aid = d.authority && String(d.authority.id || "").startsWith("dir:") ? d.authority.id.slice(4) : "";
    const pending = (d.mails || []).some((m) => m.status === "queued" || m.status === "failed");
    $("r-mail-box").classList.toggle("hidden", !mailInfo.enabled && !(d.mails || []).length);
    let hint = "";
    if (!mailInfo.enabled) hint = "Az e-mailes küldés nincs bekapcsolva.";
    else if (!aid) hint = "Előbb válassz hatóságot az e-mail címjegyzékből.";
    else if (reviewNeeded) hint = "Előbb nézd át a bejelentő saját adatait.";
    else if (pending) hint = "Egy levél már úton van ehhez a hatósághoz.";
    $("r-mail").disabled = !!hint;
    $("r-mail-hint").textContent = hint;
    $("r-mails").replaceChildren(...(d.mails || []).map((m) => {
      const li = el("li", "mail-" + m.status);
      li.setAttribute("data-testid", "report-mail-item");
      let text = `${m.to.name} <${m.to.email}>: ${MAIL_STATUS_HU[m.status] || m.status}`;
      if (m.status === "sent" && m.sent) text += ` (${when(m.sent)})`;
      if (m.status === "failed" && m.next_try) text += ` (${m.error || "hiba"}; újra: ${when(m.next_try)})`;
      if (m.status === "gave_up") text += ` (${m.error || "hiba"})`;
      text += ` · indította: ${m.by}, ${when(m.queued)}`;
      li.appendChild(el("span", "", text));
      if (m.status === "failed" || m.status === "gave_up") {
        const btn = el("button", "", "Újraküldés most");
        btn.type = "button";
        btn.setAttribute("data-testid", "report-mail-retry");
        btn.addEventListener("click", () => post(`mail/${encodeURIComponent(m.id)}/retry`, {}));
        li.appendChild(btn);
      }
      return li;
    }));
    // While a mail is on its way, refresh so its status changes appear without a click.
    clearTimeout(mailPoll);
    if (pending) {
      const rid = d.rid;
      mailPoll = setTimeout(() => { if (rid === current) open(rid).catch(() => {}); }, 2000);
    }
  }

  async function loadAuthorities() {
    const rid = current;
    const d = await api("GET", `${BASE}/${rid}/authorities`);
    if (rid !== current) return;
    mailInfo = d.mail || { enabled: false, directory: [] };
    if (shown && shown.rid === rid) showMail(shown, !!(shown.pii && shown.pii.review_needed));
    const sel = $("authority");
    sel.replaceChildren(el("option", "", "Illetékes szerv a jegyzékből…"));
    sel.firstChild.value = "";
    if (mailInfo.directory.length) {
      const group = el("optgroup");
      group.label = "E-mail címjegyzék (forrással)";
      for (const a of mailInfo.directory) {
        const opt = el("option", "", `${a.name} · ${a.email}` + (a.note ? ` · ${a.note}` : ""));
        opt.value = "dir:" + a.id; opt.title = "Forrás: " + a.source + ", " + a.date; group.appendChild(opt);
      }
      sel.appendChild(group);
    }
    for (const o of d.offices) {
      const opt = el("option", "", `${o.service} · ${o.settlement}` + (o.address ? ` · ${o.address}` : ""));
      opt.value = "office:" + o.office; sel.appendChild(opt);
    }
    for (const s of d.services) {
      const opt = el("option", "", s.name); opt.value = "service:" + s.service; sel.appendChild(opt);
    }
  }

  async function loadAudit() {
    const rid = current;
    const d = await api("GET", `${BASE}/${rid}/audit`);
    if (rid !== current) return;
    $("r-audit").replaceChildren(...d.audit.slice(0, 50).map((e) =>
      el("li", "", `${when(e.ts)} · ${e.by} · ${actionHu(e.action)}`)));
  }

  // -- actions --------------------------------------------------------------------
  function post(path, body) { return act(async () => { show(await api("POST", `${BASE}/${current}/${path}`, body)); await loadList(); }); }

  $("r-note-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = $("r-note").value.trim();
    if (!text) return;
    $("r-note").value = "";
    post("notes", { text });
  });
  $("authority-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = $("authority").value;
    if (!v) { showError("Válaszd ki a szervet."); return; }
    post("authority", v.startsWith("office:") ? { office: Number(v.slice(7)) }
      : v.startsWith("dir:") ? { directory: v.slice(4) } : { service: v.slice(8) });
  });
  $("authority-free-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const name = $("authority-name").value.trim();
    if (!name) { showError("Írd be a szerv nevét."); return; }
    const extra = $("authority-address").value.trim();
    post("authority", extra.includes("@") ? { name, email: extra } : { name, address: extra || undefined });
    $("authority-name").value = ""; $("authority-address").value = "";
  });
  $("r-status-set").addEventListener("click", () => post("status", { status: $("r-status-select").value }));
  $("r-pii-review").addEventListener("click", () => post("pii-review", {}));
  $("r-mail").addEventListener("click", () => post("mail", {}));
  $("r-immediate-toggle").addEventListener("change", () => post("immediate", { immediate: $("r-immediate-toggle").checked }));
  $("r-message-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = $("r-message").value.trim();
    if (!text) return;
    act(async () => {
      const rid = current;
      const d = await api("POST", `${BASE}/${rid}/messages`, { text });
      $("r-message").value = "";
      if (rid === current) await open(rid);
      $("r-message-state").textContent = d.delivered_now ? "Elküldve Telegramon." : "Megkapja, amikor legközelebb ír.";
    });
  });
  // The export is a plain download; the audit entry it writes shows up a moment later.
  $("r-pdf").addEventListener("click", () => setTimeout(() => loadAudit().catch(() => {}), 1500));
  $("lookup-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const code = $("lookup-code").value.trim();
    if (!code) return;
    act(async () => {
      try {
        show(await api("POST", `${BASE}/lookup`, { code }));
        if ($("lookup-code").value.trim() === code) $("lookup-code").value = "";
      }
      catch (e) { throw new Error(e.message === "no such report" ? "Nincs ilyen ügyszámú bejelentés." : e.message); }
    });
  });
  $("status-filter").addEventListener("change", () => act(loadList));
  $("reload").addEventListener("click", () => act(loadList));

  act(loadList);
  // New reports arrive while the page is open: refresh the list now and then.
  setInterval(() => loadList().catch(() => {}), 30000);
})();
