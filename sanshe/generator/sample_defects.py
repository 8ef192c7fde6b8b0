"""Step 6: planted defects. A handful of rows a real register would contain, each recorded
in `defects` as {register, key, value, rule} with the rule that must quarantine it; cascades
(an evaluation of a rejected project) are recorded too. Runs last, on the finished registers."""

from __future__ import annotations

import datetime as dt

from data_contracts.identifiers import make_uscc

from .sample_model import SampleState


def plant_defects(s: SampleState) -> None:
    """Break rows of every register in place and record each in `s.registers.defects`."""
    r, rng = s.registers, s.rng

    def note(register: str, key: str, value: str, rule: str) -> None:
        r.defects.append({"register": register, "key": key, "value": value, "rule": rule})

    o = r.organisations[10]
    o["uscc"] = o["uscc"][:17] + ("0" if o["uscc"][17] != "0" else "1")
    note("organisations", "name", o["name"], "uscc_check_char")
    o = next(x for x in r.organisations[20:] if x["org_type"] == "社会团体")
    o["org_type"] = "社会服务机构"
    note("organisations", "name", o["name"], "uscc_type_mismatch")
    dup = dict(r.organisations[30], name=r.organisations[30]["name"] + "（旧名）", _field="charity")
    r.organisations.insert(5, dup)  # an earlier line of the register, superseded later
    note("organisations", "name", dup["name"], "duplicate_key")

    # a committee of a former-Zhabei street: old Jing'an's population stays whole, so the
    # 2014 density (16.5 per 10,000) is reproduced from accepted rows
    c = r.communities[200]
    c["community_code"] = "310106099" + c["community_code"][9:]
    note("communities", "community_code", c["community_code"], "division_nesting")

    m = r.hub_memberships[50]
    m["hub_id"] = "HUB-ST-099"
    note("hub_memberships", "uscc", m["uscc"], "unknown_reference")

    w = r.workers[100]
    w["id_number"] = w["id_number"][:17] + ("0" if w["id_number"][17] != "0" else "1")
    note("workers", "worker_key", w["worker_key"], "id_number_check_char")
    twin = dict(r.workers[200], worker_key=f"SW{len(r.workers) + 1:06d}")
    r.workers.append(twin)  # the same person registered twice under a new key
    note("workers", "worker_key", r.workers[200]["worker_key"], "duplicate_person")

    evaluated = {e["project_id"] for e in r.evaluations}
    p1, p2, p3 = [p for p in r.projects if p["project_id"] in evaluated][100:103]
    p1["end_date"] = p1["start_date"] - dt.timedelta(days=30)
    p2["provider_uscc"] = make_uscc("5", "2", "310106", "59999999")  # valid code, not registered
    p3["award_date"] = dt.date(2026, 3, 1)
    note("projects", "project_id", p1["project_id"], "end_before_start")
    note("projects", "project_id", p2["project_id"], "unknown_reference")
    note("projects", "project_id", p3["project_id"], "future_date")
    for p in (p1, p2, p3):
        for e in r.evaluations:
            if e["project_id"] == p["project_id"]:
                note("evaluations", "evaluation_id", e["evaluation_id"], "unknown_reference")
    e = r.evaluations[7]
    e["grade"] = "较好"
    note("evaluations", "evaluation_id", e["evaluation_id"], "value_not_allowed")
    rng.random()  # keep the stream position independent of how many defects there are
