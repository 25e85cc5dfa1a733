// Reports view of the operator console: the list, one report, notes, the competent
// authority, the immediate-danger checklist, status, messages for the reporter, the PDF.
// Everything from the server is inserted as text (textContent), never as HTML; every word
// of our own comes from the catalogue (w, named: wording/console.yml).
(function () {
  "use strict";
  const { $, el, showError, api, act, w, has, named, codes, LOCALE } = window.ConsoleCommon;
  const BASE = "/api/operator/reports";
  const statusName = (s) => named("console_report_status_", s);
  const FIELDS = codes("console_field_");  // the report's fields, in the catalogue's order
  // The reporter's own data found in the text (kinds only; the values are never sent apart).
  const piiKinds = (kinds) => kinds.map((k) => named("console_pii_kind_", k)).join(", ");

  // The report's audit log as the server writes it (bot.reports.api), in the operators' words:
  // a whole action ("added note": console_action_added_note), or one that starts with a fixed
  // part and ends with a name or an address (the report's mails, bot.reports.mail).
  // The end is shown as it is, or in words when a third item names the words' prefix.
  const ACTION_STARTS = [
    ["mail queued to ", "console_action_mail_queued"], ["mail sent to ", "console_action_mail_sent"],
    ["mail failed to ", "console_action_mail_failed"], ["mail given up to ", "console_action_mail_given_up"],
    ["mail retry to ", "console_action_mail_retry"], ["mail not queued to ", "console_action_mail_not_queued"],
    ["checklist ", "console_action_checklist", "console_step_"],
    ["status ", "console_action_status", "console_report_status_"],
  ];
  const REVIEWED = "reviewed personal data";  // then the kinds found, if any
  const action = (a) => {
    for (const [start, key, words] of ACTION_STARTS) {
      if (!a.startsWith(start)) continue;
      const end = a.slice(start.length);
      return w(key, { to: words ? named(words, end) : end });
    }
    if (a.startsWith(REVIEWED)) return w("console_action_reviewed_personal_data", { rest: a.slice(REVIEWED.length) });
    const whole = "console_action_" + a.toLowerCase().replace(/[^a-z]+/g, "_");  // "immediate=True": ..._immediate_true
    return has(whole) ? w(whole) : a;
  };
  let mailInfo = { enabled: false, directory: [] }; // from .../authorities, per report
  let mailPoll = null;

  let current = null; // rid of the open report

  const when = (ts) => new Date(ts * 1000).toLocaleString(LOCALE);


  // -- the list -------------------------------------------------------------------
  // What the list shows of each report's status: a report seen changed in its own view (the
  // mail to the authority went out: "forwarded") reloads the list, so the badge never lags.
  const listed = new Map();
  async function loadList() {
    const status = $("status-filter").value;
    const d = await api("GET", BASE + (status ? "?status=" + encodeURIComponent(status) : ""));
    listed.clear();
    for (const r of d.reports) listed.set(r.rid, r.status);
    const items = d.reports.map((r) => {
      const li = el("li", r.immediate ? "immediate" : "");
      li.dataset.rid = r.rid;
      li.setAttribute("data-testid", "report-item");
      if (r.rid === current) li.classList.add("active");
      const line = el("div", "line");
      if (r.immediate) line.appendChild(el("span", "badge immediate", w("staff_level_immediate")));
      line.appendChild(el("strong", "", r.ref));
      line.appendChild(el("span", "badge", statusName(r.status)));
      li.appendChild(line);
      const bits = [r.settlement, ageText(r.child_age), when(r.created)];
      li.appendChild(el("div", "small", bits.filter(Boolean).join(" · ")));
      if (r.additions) li.appendChild(el("div", "small", w("console_additions_count", { n: r.additions })));
      if (r.authority) li.appendChild(el("div", "small", "→ " + r.authority));
      if (r.pii_review_needed) li.appendChild(el("div", "small", w("console_pii_needed_short")));
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

  // The age as the reporter typed it ("kb. 6 éves", "9"): the unit is added only when missing.
  const ageText = (age) => !age ? "" : /\d\s*$/.test(age) ? w("console_child_age", { age }) : age;

  function show(d) {
    const switched = d.rid !== current;
    if (switched) $("r-message-state").textContent = "";
    current = d.rid;
    $("placeholder").classList.add("hidden");
    $("report").classList.remove("hidden");
    for (const li of document.querySelectorAll("#reports li")) li.classList.toggle("active", li.dataset.rid === current);
    $("r-ref").textContent = w("console_report_ref", { ref: d.ref });
    $("r-status").textContent = statusName(d.status);
    if (listed.has(d.rid) && listed.get(d.rid) !== d.status) loadList().catch(() => {});
    $("r-immediate").classList.toggle("hidden", !d.immediate);
    const meta = [w("console_received_at", { when: when(d.created) }),
      w(d.language === "en" ? "console_in_english" : "console_in_hungarian"),
      w(d.linked ? "console_reporter_linked" : "console_reporter_code_only")];
    $("r-meta").textContent = meta.join(" · ");

    const dl = $("r-fields");
    dl.replaceChildren();
    for (const name of FIELDS) {
      dl.appendChild(el("dt", "", w("console_field_" + name)));
      const v = d.fields[name];
      dl.appendChild(el("dd", v ? "" : "muted", v ? named("console_value_", v) : w("console_skipped_field")));
    }
    $("r-additions-box").classList.toggle("hidden", !d.additions.length);
    $("r-additions").replaceChildren(...d.additions.map((a) => el("li", "", `${when(a.ts)}: ${a.text}`)));
    $("r-notes").replaceChildren(...d.notes.map((n) => el("li", "", `${when(n.ts)} · ${n.by}: ${n.text}`)));
    $("r-messages").replaceChildren(...d.messages.map((m) =>
      el("li", "", `${when(m.ts)} · ${m.by}: ${m.text} (` + w(m.delivered ? "console_message_delivered" : "console_message_unseen") + ")")));

    const a = d.authority;
    $("r-authority").textContent = a
      ? [a.name, a.address, a.email, a.phone].filter(Boolean).join(" · ") + " (" + w("console_chosen_by", { name: a.by }) + ")"
      : w("console_authority_none");
    $("r-status-select").value = d.status;
    $("r-pdf").href = `${BASE}/${d.rid}/pdf`;
    const pii = d.pii || { kinds: [], review_needed: false };
    const needed = !!pii.review_needed;
    $("r-pii").classList.toggle("hidden", !pii.kinds.length && !needed);
    const found = piiKinds(pii.kinds);
    const rv = d.pii_review;
    $("r-pii-text").textContent = needed
      ? w("console_pii_warning", { found })
      : w("console_pii_masked", { found }) + (rv ? " " + w("console_pii_reviewed_by", { name: rv.by, when: when(rv.ts) }) : "");
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
      li.appendChild(el("strong", "", named("console_step_", s.step)));
      if (s.done) {
        const r = s.record;
        const how = w(r.skipped ? "console_step_skipped" : "console_step_done");
        li.appendChild(el("span", "small", ` · ${how} · ${when(r.ts)} · ${r.by}` + (r.note ? ` · ${r.note}` : "")));
      } else {
        if (s.not_applicable) li.appendChild(el("span", "small", " · " + w("console_step_parents_source")));
        if (next && next.step === s.step) {
          const form = el("form", "row");
          const note = el("input");
          note.placeholder = w("console_step_note_hint");
          note.setAttribute("data-testid", "step-note");
          const btn = el("button", "", w(s.not_applicable ? "console_step_skip" : "console_step_mark_done"));
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
    if (!mailInfo.enabled) hint = w("console_mail_off");
    else if (!aid) hint = w("console_mail_pick_authority");
    else if (reviewNeeded) hint = w("console_mail_review_first");
    else if (pending) hint = w("console_mail_pending");
    $("r-mail").disabled = !!hint;
    $("r-mail-hint").textContent = hint;
    $("r-mails").replaceChildren(...(d.mails || []).map((m) => {
      const li = el("li", "mail-" + m.status);
      li.setAttribute("data-testid", "report-mail-item");
      const error = m.error || w("console_mail_error");
      let text = `${m.to.name} <${m.to.email}>: ${named("console_mail_status_", m.status)}`;
      if (m.status === "sent" && m.sent) text += ` (${when(m.sent)})`;
      if (m.status === "failed" && m.next_try) text += ` (${error}; ${w("console_mail_retry_at", { when: when(m.next_try) })})`;
      if (m.status === "gave_up") text += ` (${error})`;
      text += " · " + w("console_mail_started_by", { name: m.by, when: when(m.queued) });
      li.appendChild(el("span", "", text));
      if (m.status === "failed" || m.status === "gave_up") {
        const btn = el("button", "", w("console_mail_retry_now"));
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
    sel.replaceChildren(el("option", "", w("console_authority_pick")));
    sel.firstChild.value = "";
    if (mailInfo.directory.length) {
      const group = el("optgroup");
      group.label = w("console_authority_directory");
      for (const a of mailInfo.directory) {
        const opt = el("option", "", `${a.name} · ${a.email}` + (a.note ? ` · ${a.note}` : ""));
        opt.value = "dir:" + a.id; opt.title = w("console_authority_source", { source: a.source, date: a.date }); group.appendChild(opt);
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
      el("li", "", `${when(e.ts)} · ${e.by} · ${action(e.action)}`)));
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
    if (!v) { showError(w("console_authority_pick_error")); return; }
    post("authority", v.startsWith("office:") ? { office: Number(v.slice(7)) }
      : v.startsWith("dir:") ? { directory: v.slice(4) } : { service: v.slice(8) });
  });
  $("authority-free-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const name = $("authority-name").value.trim();
    if (!name) { showError(w("console_authority_name_missing")); return; }
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
      $("r-message-state").textContent = w(d.delivered_now ? "console_message_sent_telegram" : "console_message_later");
    });
  });
  // The export, fetched here rather than followed as a link: the server writes its audit
  // entry before it answers, so the audit list is read again when the answer is in (a fixed
  // delay missed the entry whenever the PDF took longer to make).
  $("r-pdf").addEventListener("click", (ev) => {
    ev.preventDefault();
    const rid = current;
    act(async () => {
      try { await download($("r-pdf").href); }
      finally { if (rid === current) await loadAudit(); }
    });
  });
  async function download(url) {
    const resp = await fetch(url, { credentials: "same-origin" });
    if (resp.status === 401) { window.location.assign("/console/login"); throw new Error("login"); }
    if (!resp.ok) {
      const data = await resp.json().catch(() => ({}));
      throw new Error(data.error || ("HTTP " + resp.status));
    }
    const name = /filename="([^"]+)"/.exec(resp.headers.get("Content-Disposition") || "");
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await resp.blob());
    link.download = name ? name[1] : "report.pdf";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);  // the download has its copy by then
  }
  $("lookup-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const code = $("lookup-code").value.trim();
    if (!code) return;
    act(async () => {
      try {
        show(await api("POST", `${BASE}/lookup`, { code }));
        if ($("lookup-code").value.trim() === code) $("lookup-code").value = "";
      }
      catch (e) { throw new Error(e.message === "no such report" ? w("console_no_such_report") : e.message); }
    });
  });
  $("status-filter").addEventListener("change", () => act(loadList));
  $("reload").addEventListener("click", () => act(loadList));

  act(loadList);
  // New reports arrive while the page is open: refresh the list now and then.
  setInterval(() => loadList().catch(() => {}), 30000);
})();
