"""Oracle tests: every catalogue query's answer on the sample graph equals the same answer
computed independently with pandas from the validated tables (OUTPUT/tables/*.parquet).

The oracles use only the accepted tables and the domain enumerations, never the graph-building
code, so a mistake in graph loading or in a query shows up as a difference.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from data_contracts.enums import EVALUATION_GRADES, HUB_KINDS
from sanshe.queries.catalogue import catalogue, execute

ACTIVE = "正常"


def run(store, name, **params) -> pd.DataFrame:
    return execute(store, name, {k: str(v) for k, v in params.items()})


def norm(df: pd.DataFrame) -> pd.DataFrame:
    """Compare values, not representations: dates as ISO text, numbers as float, index reset."""
    out = df.reset_index(drop=True).copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.dt.strftime("%Y-%m-%d").where(s.notna(), None)
        elif s.map(lambda v: isinstance(v, dt.date)).any():
            out[col] = s.map(lambda v: v.isoformat() if isinstance(v, dt.date) else None)
        elif pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            out[col] = s.astype(float)
        else:
            out[col] = s.astype(object)
    return out


def assert_same(graph: pd.DataFrame, oracle: pd.DataFrame):
    assert len(graph) > 0, "the query returned no rows on the sample"
    assert list(graph.columns) == list(oracle.columns)
    pd.testing.assert_frame_equal(norm(graph), norm(oracle), check_dtype=False, rtol=1e-9, atol=0.006)


def test_every_catalogue_query_has_an_oracle_test():
    tested = {name.removeprefix("test_").replace("_", "-") for name in globals() if name.startswith("test_")}
    assert set(catalogue()) <= tested


# -- hub-style management ---------------------------------------------------------------------

def test_hub_coverage(store, tables):
    hubs, mem, org = tables["hubs"], tables["hub_memberships"], tables["organisations"]
    m = mem[mem["uscc"].isin(org.loc[org["status"] == ACTIVE, "uscc"])]
    m = m.assign(branch=m["has_party_branch"], liaison=m["liaison_id"].notna())
    per = m.groupby("hub_id").agg(
        members=("uscc", "size"),
        with_party_branch=("branch", "sum"),
        with_liaison_only=("branch", lambda b: int((~b & m.loc[b.index, "liaison"]).sum())),
        with_neither=("branch", lambda b: int((~b & ~m.loc[b.index, "liaison"]).sum())),
    )
    o = hubs.set_index("hub_id").join(per).fillna(0).reset_index()
    o["hub_kind"] = o["hub_kind"].map(HUB_KINDS)
    o["order"] = o["hub_kind"].map({"federation": 0, "street": 1, "industry": 2})
    o = o.sort_values(["order", "hub_id"]).rename(columns={"hub_name": "name_"})
    oracle = pd.DataFrame({"hub_kind": o["hub_kind"], "hub_id": o["hub_id"], "hub_name": o["name_"],
                           **{c: o[c].astype(int) for c in ("members", "with_party_branch", "with_liaison_only", "with_neither")}})
    assert_same(run(store, "hub-coverage"), oracle)


def test_unattached_organisations(store, tables):
    org, mem, com = tables["organisations"], tables["hub_memberships"], tables["communities"]
    streets = com.drop_duplicates("street_code").set_index("street_code")["street_name"]
    o = org[(org["status"] == ACTIVE) & ~org["uscc"].isin(mem["uscc"])].sort_values(["street_code", "uscc"])
    oracle = pd.DataFrame({"uscc": o["uscc"], "name": o["name"], "org_type": o["org_type"],
                           "street_code": o["street_code"], "street": o["street_code"].map(streets),
                           "registration_date": o["registration_date"]})
    assert_same(run(store, "unattached-organisations"), oracle)


# -- funding and evaluation --------------------------------------------------------------------

def _projects(tables, year=0, category=""):
    p = tables["projects"].copy()
    p["year"] = pd.to_datetime(p["award_date"]).dt.year
    if year:
        p = p[p["year"] == year]
    if category:
        p = p[p["category"] == category]
    return p


@pytest.mark.parametrize("params", [{}, {"year": 2024}, {"category": "养老服务"}, {"year": 2021, "category": "社区治理"}])
def test_funding_by_street(store, tables, params):
    p = _projects(tables, **params)
    com = tables["communities"].set_index("community_code")
    x = p[["project_id", "contract_amount", "served_communities"]].explode("served_communities")
    x["share"] = x["contract_amount"] / x["project_id"].map(p.set_index("project_id")["served_communities"].map(len))
    x["street_code"] = x["served_communities"].map(com["street_code"])
    g = x.groupby("street_code").agg(projects=("project_id", "nunique"), funding_yuan=("share", "sum")).reset_index()
    g["street"] = g["street_code"].map(com.drop_duplicates("street_code").set_index("street_code")["street_name"])
    oracle = g[["street_code", "street", "projects", "funding_yuan"]].sort_values("street_code")
    oracle["funding_yuan"] = oracle["funding_yuan"].round(2)
    graph = run(store, "funding-by-street", **params)
    assert_same(graph, oracle)
    # the streets' shares add up to the contract value of the selected projects
    assert graph["funding_yuan"].sum() == pytest.approx(p["contract_amount"].sum(), abs=0.01 * len(graph))


@pytest.mark.parametrize("params", [{}, {"year": 2023}, {"category": "青少年服务"}])
def test_funding_by_purchaser(store, tables, params):
    p = _projects(tables, **params)
    name = tables["projects"].sort_values(["award_date", "project_id"]).groupby("purchaser_uscc")["purchaser_name"].last()
    g = p.groupby("purchaser_uscc").agg(projects=("project_id", "size"), budget_yuan=("budget", "sum"),
                                        contract_yuan=("contract_amount", "sum")).reset_index()
    g["purchaser"] = g["purchaser_uscc"].map(name)
    oracle = g[["purchaser_uscc", "purchaser", "projects", "budget_yuan", "contract_yuan"]].sort_values("purchaser_uscc")
    assert_same(run(store, "funding-by-purchaser", **params), oracle.round(2))


@pytest.mark.parametrize("params", [{}, {"top": 1}, {"top": 5, "year": 2022}])
def test_provider_concentration(store, tables, params):
    top = params.get("top", 3)
    p = _projects(tables, year=params.get("year", 0))
    names = tables["projects"].sort_values(["award_date", "project_id"]).groupby("purchaser_uscc")["purchaser_name"].last()
    by = p.groupby(["purchaser_uscc", "provider_uscc"])["contract_amount"].sum().reset_index()
    rows = []
    for buyer, grp in by.groupby("purchaser_uscc"):
        values = np.sort(grp["contract_amount"].to_numpy())[::-1]
        total, top_value = values.sum(), values[:top].sum()
        rows.append({"purchaser_uscc": buyer, "purchaser": names[buyer], "providers": len(values),
                     "contract_yuan": round(total, 2), "top_n_yuan": round(top_value, 2),
                     "top_n_share": round(top_value / total, 4)})
    assert_same(run(store, "provider-concentration", **params), pd.DataFrame(rows))


@pytest.mark.parametrize("below", ["良好", "合格", "优秀"])
def test_poorly_evaluated_still_funded(store, tables, below):
    ev, p = tables["evaluations"], tables["projects"]
    org = tables["organisations"].set_index("uscc")
    rank = {g: r for g, (r, _floor) in EVALUATION_GRADES.items()}
    rated = ev[ev["grade"].map(rank) < rank[below]].merge(p[["project_id", "provider_uscc"]], on="project_id")
    later = p[["project_id", "provider_uscc", "award_date", "contract_amount"]].rename(
        columns={"project_id": "later_project", "award_date": "later_award_date", "contract_amount": "later_amount_yuan"})
    x = rated.merge(later, on="provider_uscc")
    x = x[x["later_award_date"] > x["eval_date"]]
    oracle = pd.DataFrame({
        "provider_uscc": x["provider_uscc"], "provider": x["provider_uscc"].map(org["name"]),
        "rated_project": x["project_id"], "grade": x["grade"], "score": x["score"], "evaluated_on": x["eval_date"],
        "later_project": x["later_project"], "later_award_date": x["later_award_date"],
        "later_amount_yuan": x["later_amount_yuan"],
    }).sort_values(["provider_uscc", "rated_project", "later_project"])
    if below == "优秀" or len(oracle):
        assert_same(run(store, "poorly-evaluated-still-funded", below=below), oracle)
    else:  # nothing rated that low in the sample: the graph must agree
        assert run(store, "poorly-evaluated-still-funded", below=below).empty


# -- three-way linkage ---------------------------------------------------------------------------

def test_community_linkage(store, tables):
    com, p, w = tables["communities"], tables["projects"], tables["workers"]
    served = p[["project_id", "provider_uscc", "served_communities"]].explode("served_communities")
    orgs = served.groupby("served_communities")["provider_uscc"].nunique()
    projects = served.groupby("served_communities")["project_id"].nunique()
    ws = w[["worker_key", "level", "served_communities"]].explode("served_communities")
    levels = ws.groupby(["served_communities", "level"]).size().unstack(fill_value=0)
    o = com.set_index("community_code")
    o["organisations"] = orgs.reindex(o.index, fill_value=0)
    o["projects"] = projects.reindex(o.index, fill_value=0)
    for level, col in (("助理社会工作师", "assistant_workers"), ("社会工作师", "intermediate_workers"),
                       ("高级社会工作师", "senior_workers")):
        o[col] = levels[level].reindex(o.index, fill_value=0) if level in levels else 0
    o["workers"] = o["assistant_workers"] + o["intermediate_workers"] + o["senior_workers"]
    o["missing_parties"] = (o["organisations"] == 0).astype(int) + (o["workers"] == 0).astype(int)
    o["missing"] = [
        "organisation+social_worker" if a == 0 and b == 0 else "organisation" if a == 0 else "social_worker" if b == 0 else ""
        for a, b in zip(o["organisations"], o["workers"], strict=True)]
    o = o.reset_index().sort_values(["missing_parties", "community_code"], ascending=[False, True])
    oracle = pd.DataFrame({"community_code": o["community_code"], "community": o["community_name"],
                           "street": o["street_name"], **{c: o[c] for c in (
                               "organisations", "workers", "assistant_workers", "intermediate_workers",
                               "senior_workers", "projects", "missing_parties", "missing")}})
    graph = run(store, "community-linkage")
    assert_same(graph, oracle)
    assert graph["missing_parties"].iloc[0] > 0  # the sample has gaps, and they come first


def test_organisation_density(store, tables):
    com, org = tables["communities"], tables["organisations"]
    active = org[org["status"] == ACTIVE]
    pop = com.groupby("street_code")["population"].sum()
    n = active.groupby("street_code").size().reindex(pop.index, fill_value=0)
    names = com.drop_duplicates("street_code").set_index("street_code")["street_name"]
    streets = pd.DataFrame({"level": "street", "code": pop.index, "name": pop.index.map(names),
                            "organisations": n.values, "population": pop.values,
                            "per_10k_residents": (n.values * 10000 / pop.values).round(1)})
    d = com.iloc[0]
    district = pd.DataFrame([{"level": "district", "code": d["district_code"], "name": d["district_name"],
                              "organisations": int(active["street_code"].isin(pop.index).sum()),
                              "population": int(pop.sum()),
                              "per_10k_residents": round(active["street_code"].isin(pop.index).sum() * 10000 / pop.sum(), 1)}])
    oracle = pd.concat([district, streets.sort_values("code")], ignore_index=True)
    assert_same(run(store, "organisation-density"), oracle)


@pytest.mark.parametrize("pick", [0, 100, -1])
def test_community_profile(store, tables, pick):
    com, p, w, ev = tables["communities"], tables["projects"], tables["workers"], tables["evaluations"]
    code = com.sort_values("community_code")["community_code"].iloc[pick]
    graph = run(store, "community-profile", code=code)
    assert len(graph) > 0
    got = {rel: set(graph.loc[graph["relation"] == rel, "key"]) for rel in ("community", "project", "organisation", "social_worker")}
    here = p[p["served_communities"].map(lambda cs: code in cs)]
    assert got["community"] == {code}
    assert got["project"] == set(here["project_id"])
    assert got["organisation"] == set(here["provider_uscc"])
    assert got["social_worker"] == set(w.loc[w["served_communities"].map(lambda cs: code in cs), "worker_key"])
    # each project row carries its amount and its evaluation grade (or 未评估)
    grades = ev.set_index("project_id")["grade"]
    for rec in graph[graph["relation"] == "project"].to_dict("records"):
        proj = here.set_index("project_id").loc[rec["key"]]
        assert rec["value"] == pytest.approx(proj["contract_amount"])
        assert rec["detail"].endswith(grades.get(rec["key"], "未评估"))
