"""Purchased services as an Open Contracting Data Standard 1.1.5 release package: one release
per project (planning budget, tender, award, contract, evaluations as implementation
documents), parties identified by `CN-USCI` (org-id.guide).

The evaluation score and grade travel in `sansheEvaluation` on each `evaluationReports`
document, the extension described in `ocds/extension/`.
"""

from __future__ import annotations

import pandas as pd

from data_contracts.enums import FUNDING_SOURCES, PROCUREMENT_METHODS
from graph_schema.types import day, missing

#: Chinese procurement methods (政府采购法 and Order 102) on the OCDS method codelist; the Chinese
#: name is kept in procurementMethodDetails
OCDS_METHOD = {
    "公开招标": "open",  # open tender: anyone may bid
    "邀请招标": "selective",  # invited tender: suppliers qualify or are invited
    "竞争性谈判": "limited",  # competitive negotiation with a few suppliers
    "竞争性磋商": "limited",  # competitive consultation with a few suppliers
    "询价": "selective",  # request for quotation from invited suppliers
    "单一来源": "direct",  # single source
    "框架协议采购": "selective",  # call-off from suppliers admitted to a framework agreement
}
assert set(OCDS_METHOD) == set(PROCUREMENT_METHODS)
TZ = "+08:00"
#: the ocid prefix used until the publisher registers one with the Open Contracting Partnership
PLACEHOLDER_PREFIX = "ocds-sanshe"
#: where the extension lives inside a release (the package's `extensions` points here)
EXTENSION_PATH = "ocds/extension/extension.json"


def _day(v: object) -> str | None:
    return None if missing(v) else f"{day(v).isoformat()}T00:00:00{TZ}"


def _money(amount: float) -> dict:
    return {"amount": float(amount), "currency": "CNY"}


def _party(uscc: str, name: str, roles: list[str]) -> dict:
    return {
        "id": f"CN-USCI-{uscc}",
        "name": name,
        "roles": roles,
        "identifier": {"scheme": "CN-USCI", "id": uscc, "legalName": name},
    }


def release_package(
    tables: dict[str, pd.DataFrame], dataset: dict, ocid_prefix: str, home: str, licence_url: str
) -> dict:
    """One OCDS 1.1.5 release package for the projects in `tables` (the release's frames).

    `home` is the URL the release folder is published at: the package's `uri`, its publication
    policy and the URL of the extension it declares are built on it."""
    snapshot = dataset["snapshot_date"]
    snap_day = snapshot.date() if isinstance(snapshot, pd.Timestamp) else snapshot
    projects = tables["projects"].sort_values("project_id")
    orgs = tables["organisations"].set_index("uscc")["name"]
    buyers = tables["purchasers"].set_index("uscc")["name"]
    funding = tables["project_funding"].groupby("project_id")["funding_source_code"].first()
    source_name = {v: k for k, v in FUNDING_SOURCES.items()}
    communities = tables["project_communities"].groupby("project_id")["community_code"].apply(sorted)
    evals = tables["evaluations"].sort_values(["project_id", "eval_date", "evaluation_id"]).groupby("project_id")
    releases = []
    for p in projects.to_dict("records"):
        pid = p["project_id"]
        ended = (
            p["end_date"] is not None
            and (p["end_date"].date() if isinstance(p["end_date"], pd.Timestamp) else p["end_date"]) < snap_day
        )
        docs = []
        if pid in evals.groups:
            for e in evals.get_group(pid).to_dict("records"):
                docs.append(
                    {
                        "id": e["evaluation_id"],
                        "documentType": "evaluationReports",
                        "title": f"项目绩效评估 · Performance evaluation: {e['grade']}",
                        "datePublished": _day(e["eval_date"]),
                        "language": "zh",
                        "sansheEvaluation": {
                            "score": float(e["score"]),
                            "grade": e["grade"],
                            "evaluator": e["evaluator"],
                        },
                    }
                )
        served = communities.get(pid, [])
        release = {
            "ocid": f"{ocid_prefix}-{pid}",
            "id": f"{pid}-{snap_day.isoformat()}",
            "date": _day(snapshot),
            "tag": ["award", "contract", *(["implementation"] if docs else [])],
            "initiationType": "tender",
            "language": "zh",
            "parties": [
                _party(p["purchaser_uscc"], buyers[p["purchaser_uscc"]], ["buyer", "procuringEntity"]),
                _party(p["provider_uscc"], orgs[p["provider_uscc"]], ["supplier"]),
            ],
            "buyer": {"id": f"CN-USCI-{p['purchaser_uscc']}", "name": buyers[p["purchaser_uscc"]]},
            "planning": {
                "budget": {"amount": _money(p["budget"]), "description": source_name.get(funding.get(pid), "")}
            },
            "tender": {
                "id": pid,
                "title": p["name"],
                "status": "complete",
                "procurementMethod": OCDS_METHOD[p["procurement_method"]],
                "procurementMethodDetails": p["procurement_method"],
                "mainProcurementCategory": "services",
                "description": f"{p['category']}；服务社区 served communities: {'、'.join(served)}",
                "value": _money(p["budget"]),
            },
            "awards": [
                {
                    "id": f"{pid}-award",
                    "status": "active",
                    "date": _day(p["award_date"]),
                    "value": _money(p["contract_amount"]),
                    "suppliers": [{"id": f"CN-USCI-{p['provider_uscc']}", "name": orgs[p["provider_uscc"]]}],
                    "contractPeriod": {"startDate": _day(p["start_date"]), "endDate": _day(p["end_date"])},
                }
            ],
            "contracts": [
                {
                    "id": f"{pid}-contract",
                    "awardID": f"{pid}-award",
                    "title": p["name"],
                    "status": "terminated" if ended else "active",
                    "value": _money(p["contract_amount"]),
                    "period": {"startDate": _day(p["start_date"]), "endDate": _day(p["end_date"])},
                    "dateSigned": _day(p["award_date"]),
                    **({"implementation": {"documents": docs}} if docs else {}),
                }
            ],
        }
        releases.append(release)
    return {
        "uri": f"{home}/ocds/release-package.json",
        "version": "1.1",
        "publishedDate": _day(snapshot),
        "publisher": {"name": f"sanshe · {dataset['district_name']}", "scheme": "CN-USCI"},
        "license": licence_url,
        "publicationPolicy": f"{home}/README.md",
        "extensions": [f"{home}/{EXTENSION_PATH}"],
        "releases": releases,
    }


def extension(home: str, contact_name: str, contact_email: str) -> dict:
    """extension.json of the sansheEvaluation extension, valid against OCDS's extension schema
    (its language maps take ISO 639-1 codes from a list without `zh`, so the Chinese name goes
    beside the English one)."""
    return {
        "name": {"en": "sanshe evaluation · 三社项目绩效评估"},
        "description": {
            "en": "Adds sansheEvaluation (score 0-100, grade 优秀/良好/合格/不合格, evaluator) to "
            "Document, used on documents of type evaluationReports. "
            "在文件对象上增加 sansheEvaluation（得分、等级、评估机构）。"
        },
        "documentationUrl": {"en": f"{home}/README.md"},
        "contactPoint": {"name": contact_name, "email": contact_email},
        "compatibility": ["1.1"],
        "schemas": ["release-schema.json"],
    }


EXTENSION_SCHEMA = {
    "definitions": {
        "Document": {
            "properties": {
                "sansheEvaluation": {
                    "title": "Evaluation",
                    "description": "The performance evaluation this report records.",
                    "type": "object",
                    "properties": {
                        "score": {"title": "Score", "type": "number", "minimum": 0, "maximum": 100},
                        "grade": {"title": "Grade", "type": "string", "enum": ["优秀", "良好", "合格", "不合格"]},
                        "evaluator": {"title": "Evaluator", "type": "string"},
                    },
                }
            }
        }
    },
}
