#!/usr/bin/env python3
"""Structural check and counts for the sealed7 test set (no project code used)."""
import sys, os, yaml
HERE = os.path.dirname(os.path.abspath(__file__))
FILES = ["sealed7_children.yml", "sealed7_adults.yml", "sealed7_professionals.yml", "sealed7_english.yml"]
WHO = {"sealed7_children.yml": "child", "sealed7_adults.yml": "adult",
       "sealed7_professionals.yml": "professional", "sealed7_english.yml": "english"}
STATES = {"bot", "queued", "live", "closed"}
OPS = {"claim", "say", "return", "close"}
# conversations whose first message is a where-to-turn question and whose first reply must name a service
WHERE_TO_TURN = {
 "s7_child_bullying_school", "s7_child_leave_home", "s7_child_stepfather_watches_phone",
 "s7_child_sister_missing", "s7_child_parents_divorce",
 "s7_adult_child_maintenance", "s7_adult_custody_daughter12", "s7_adult_neighbour_screams_now",
 "s7_adult_shelter_mother_two_kids", "s7_adult_victim_support_son15", "s7_adult_deaf_email",
 "s7_adult_threat_no_112", "s7_adult_grandmother_guardianship",
 "s7_prof_teacher_hungry_pupil", "s7_prof_gp_injured_toddler", "s7_prof_social_worker_shelter",
 "s7_prof_kindergarten_report", "s7_prof_signal_no_response", "s7_prof_trafficking_abroad",
 "s7_prof_childrens_home_abuse", "s7_prof_eviction_family_home",
 "s7_en_foreign_mother_shelter", "s7_en_missing_son14", "s7_en_teacher_bruised_pupil_report",
 "s7_en_victim_support_daughter16", "s7_en_hard_of_hearing_email", "s7_en_british_mother_contact",
}
CODE_WORDS = ("kód", "azonosító", "ügyszám", "code")
errors, ids, rows = [], set(), []
tot = dict(conv=0, steps=0, must=0, must_not=0, state=0, op=0, wtt=0, reports=0)
for f in FILES:
    data = yaml.safe_load(open(os.path.join(HERE, f), encoding="utf-8"))
    convs = data["conversations"]
    c = dict(conv=len(convs), steps=0, must=0, must_not=0, state=0, op=0, wtt=0, reports=0)
    for conv in convs:
        cid = conv.get("id", "?")
        if not cid.startswith("s7_"): errors.append(f"{cid}: id prefix")
        if cid in ids: errors.append(f"{cid}: duplicate id")
        ids.add(cid)
        if conv.get("who") != WHO[f]: errors.append(f"{cid}: who={conv.get('who')}")
        if not conv.get("about"): errors.append(f"{cid}: no about")
        steps = conv.get("steps") or []
        if not 3 <= len(steps) <= 6: errors.append(f"{cid}: {len(steps)} steps")
        if "say" not in steps[0]: errors.append(f"{cid}: first step is not say")
        for i, s in enumerate(steps):
            if ("say" in s) == ("operator" in s): errors.append(f"{cid} step {i}: need exactly one of say/operator")
            if "press" in s: errors.append(f"{cid} step {i}: press")
            extra = set(s) - {"say", "operator", "text", "must", "must_not", "state"}
            if extra: errors.append(f"{cid} step {i}: unknown keys {extra}")
            if "operator" in s:
                c["op"] += 1
                if s["operator"] not in OPS: errors.append(f"{cid} step {i}: operator {s['operator']}")
                if s["operator"] == "say" and not s.get("text"): errors.append(f"{cid} step {i}: operator say without text")
            if "say" in s and not isinstance(s["say"], str): errors.append(f"{cid} step {i}: say not a string")
            for it in s.get("must", []) or []:
                ok = isinstance(it, str) or (isinstance(it, list) and it and all(isinstance(x, str) for x in it))
                if not ok: errors.append(f"{cid} step {i}: bad must item {it!r}")
                c["must"] += 1
            for it in s.get("must_not", []) or []:
                if not isinstance(it, str): errors.append(f"{cid} step {i}: must_not item not a string {it!r}")
                c["must_not"] += 1
            if "state" in s:
                c["state"] += 1
                if s["state"] not in STATES: errors.append(f"{cid} step {i}: state {s['state']}")
            REG = {"child": ["Önnek", "Önnel", "forduljon"],
                   "adult": ["szeretnél", "tudsz", "kérlek", "mondd el", "fordulj "],
                   "professional": ["szeretnél", "tudsz", "kérlek", "mondd el", "fordulj "]}.get(WHO[f], [])
            for bad in REG:
                if "say" in s and bad not in (s.get("must_not") or []): errors.append(f"{cid} step {i}: register must_not lacks {bad!r}")
            if s.get("operator") == "say":
                for it in s.get("must", []) or []:
                    if isinstance(it, str) and it not in s["text"]: errors.append(f"{cid} step {i}: operator must {it!r} not in text")
            if WHO[f] == "english":
                for bad in ("Szia", "Köszönöm"):
                    if "say" in s and bad not in (s.get("must_not") or []): errors.append(f"{cid} step {i}: english must_not lacks {bad}")
        # a conversation counts as a report reaching a code if a must item asks for a case code after a confirmation
        if any(("say" in s) and any(isinstance(it, list) and any(w in x for x in it for w in CODE_WORDS) for it in s.get("must", []) or [])
               and s["say"].lower().startswith(("igen", "yes")) for s in steps):
            c["reports"] += 1
        if cid in WHERE_TO_TURN:
            c["wtt"] += 1
            if not steps[0].get("must"): errors.append(f"{cid}: where-to-turn opener without must")
        steps_ct = len(steps); c["steps"] += steps_ct
    rows.append((f, c))
    for k in tot: tot[k] += c[k]
missing = WHERE_TO_TURN - ids
if missing: errors.append(f"where-to-turn ids not found: {missing}")
hdr = "| file | conversations | steps | must items | must_not strings | state checks | operator steps | where-to-turn openers | reports to a code |"
print(hdr); print("|" + " --- |" * 9)
for f, c in rows + [("total", tot)]:
    print(f"| {f} | {c['conv']} | {c['steps']} | {c['must']} | {c['must_not']} | {c['state']} | {c['op']} | {c['wtt']} | {c['reports']} |")
print(f"\nTotal checks (must + must_not + state): {tot['must'] + tot['must_not'] + tot['state']}")
print("errors:", len(errors)); [print(" -", e) for e in errors]
sys.exit(1 if errors else 0)
