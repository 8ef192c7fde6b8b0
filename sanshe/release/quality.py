"""The release's quality report: per register, rows read, accepted and quarantined with the
rules broken (counts only, never a value), the expectation checks of the run, and
360Giving-style usefulness checks on the published tables."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

#: (check, zh, en): each is computed on the published tables
USEFULNESS = [
    ("zero_amounts", "合同金额为零", "projects with a zero contract amount"),
    ("end_before_start", "结束日期早于开始日期", "projects ending before they start"),
    ("contract_above_budget", "合同金额高出预算20%以上", "contracts more than 20% above their budget"),
    ("no_served_community", "未填写服务社区", "purchases with no served community"),
    ("provider_two_names", "同一承接机构有两个名称", "providers written with two names in the project lists"),
    ("evaluation_before_start", "评估早于项目开始", "evaluations dated before their project started"),
]


def usefulness(tables: dict[str, pd.DataFrame], project_rows: pd.DataFrame | None) -> list[dict]:
    p = tables["projects"]
    served = set(tables["project_communities"]["project_id"])
    start = tables["projects"].set_index("project_id")["start_date"]
    ev = tables["evaluations"]
    found = {
        "zero_amounts": p.loc[p["contract_amount"] == 0, "project_id"],
        "end_before_start": p.loc[p["end_date"] < p["start_date"], "project_id"],
        "contract_above_budget": p.loc[p["contract_amount"] > 1.2 * p["budget"], "project_id"],
        "no_served_community": p.loc[~p["project_id"].isin(served), "project_id"],
        "evaluation_before_start": ev.loc[
            pd.to_datetime(ev["eval_date"]) < pd.to_datetime(ev["project_id"].map(start)), "evaluation_id"
        ],
    }
    if project_rows is not None:
        names = project_rows.groupby("provider_uscc")["provider_name"].nunique()
        found["provider_two_names"] = pd.Series(sorted(names[names > 1].index))
    out = []
    for check, zh, en in USEFULNESS:
        ids = found.get(check)
        out.append(
            {
                "check": check,
                "zh": zh,
                "en": en,
                "count": None if ids is None else len(ids),
                "examples": [] if ids is None else sorted(map(str, ids))[:10],
                **({"note": "needs the run's tables"} if ids is None else {}),
            }
        )
    return out


def report(tables: dict[str, pd.DataFrame], run_dir: Path | None) -> dict:
    out: dict = {"usefulness": []}
    project_rows = None
    if run_dir and (run_dir / "quarantine" / "accounting.csv").exists():
        acc = pd.read_csv(run_dir / "quarantine" / "accounting.csv", keep_default_na=False)
        q = pd.read_csv(run_dir / "quarantine" / "quarantine.csv", keep_default_na=False)
        w = pd.read_csv(run_dir / "quarantine" / "warnings.csv", keep_default_na=False)
        registers = []
        for name, grp in acc.groupby("register", sort=False):
            registers.append(
                {
                    "register": name,
                    "rows_read": int(grp["rows_read"].sum()),
                    "rows_accepted": int(grp["rows_accepted"].sum()),
                    "rows_quarantined": int(grp["rows_quarantined"].sum()),
                    "quarantined_by_rule": {
                        k: int(v) for k, v in sorted(q.loc[q["source"] == name, "rule"].value_counts().items())
                    },
                    "warnings_by_rule": {
                        k: int(v) for k, v in sorted(w.loc[w["source"] == name, "rule"].value_counts().items())
                    },
                }
            )
        out["registers"] = registers
        summary = json.loads((run_dir / "run_summary.json").read_text(encoding="utf-8"))
        out["expectation_checks"] = sorted(summary["checks"], key=lambda c: (c["asset"], c["check"]))
        projects = run_dir / "tables" / "projects.parquet"
        project_rows = pd.read_parquet(projects) if projects.exists() else None
    out["usefulness"] = usefulness(tables, project_rows)
    return out
