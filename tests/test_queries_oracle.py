"""Oracle tests: every catalogue query's answer on the sample graph equals the same answer
computed independently with pandas from the validated tables (OUTPUT/tables/*.parquet).

The oracles use only the accepted tables and the domain enumerations, never the graph-building
code, so a mistake in graph loading or in a query shows up as a difference.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from conftest import as_of

from data_contracts.enums import EVALUATION_GRADES, GRADE_VALID_YEARS, HUB_KINDS, ORG_GRADES
from sanshe.queries.catalogue import catalogue, execute

ACTIVE = "正常"
SNAPSHOT = dt.date(2025, 12, 31)
MERGER = dt.date(2015, 10, 31)
#: two days before the merger of Zhabei into Jing'an, two after (all are snapshot dates)
DAYS = [dt.date(2014, 9, 30), dt.date(2014, 12, 31), dt.date(2016, 12, 31), SNAPSHOT]


def active_orgs(snapshots, day) -> pd.DataFrame:
    """Organisations active on `day`, as the organisations register last said by then."""
    o = as_of(snapshots["organisations"], ["uscc"], day)
    return o[(o["status"] == ACTIVE) & (o["registration_date"] <= day)]


def register_on(frame: pd.DataFrame, day) -> pd.DataFrame:
    """The whole register as printed on its latest snapshot on or before `day` (a membership
    missing from it had ended)."""
    return frame[frame["asof"] == frame.loc[frame["asof"] <= day, "asof"].max()]


def hubs_on(tables, day) -> pd.DataFrame:
    h = tables["hubs"]
    return h[
        (h["established_on"].isna() | (h["established_on"] <= day))
        & (h["dissolved_on"].isna() | (h["dissolved_on"] > day))
    ]


def jingan_streets_on(tables, day) -> set[str]:
    """Streets in Jing'an on `day`: those that never moved, and those that had moved in by then."""
    com, ch = tables["communities"], tables["district_changes"]
    moved_in = ch[ch["to_district_code"] == "310106"]
    late = set(moved_in.loc[moved_in["change_date"] > day, "street_code"])
    return set(com.loc[com["district_code"] == "310106", "street_code"]) - late


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


def hub_coverage_oracle(snapshots, tables, day) -> pd.DataFrame:
    hubs = hubs_on(tables, day)
    m = register_on(snapshots["hub_memberships"], day)
    m = m[m["uscc"].isin(active_orgs(snapshots, day)["uscc"]) & m["hub_id"].isin(hubs["hub_id"])]
    m = m.assign(branch=m["has_party_branch"].astype(bool), liaison=m["liaison_id"].notna())
    per = pd.DataFrame(
        {
            "members": m.groupby("hub_id").size(),
            "with_party_branch": m[m["branch"]].groupby("hub_id").size(),
            "with_liaison_only": m[~m["branch"] & m["liaison"]].groupby("hub_id").size(),
            "with_neither": m[~m["branch"] & ~m["liaison"]].groupby("hub_id").size(),
        }
    )
    o = hubs.set_index("hub_id").join(per).fillna(0).reset_index()
    o["hub_kind"] = o["hub_kind"].map(HUB_KINDS)
    o["order"] = o["hub_kind"].map({"federation": 0, "street": 1, "industry": 2})
    o = o.sort_values(["order", "hub_id"])
    return pd.DataFrame(
        {
            "hub_kind": o["hub_kind"],
            "hub_id": o["hub_id"],
            "hub_name": o["hub_name"],
            **{c: o[c].astype(int) for c in ("members", "with_party_branch", "with_liaison_only", "with_neither")},
        }
    )


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_hub_coverage(store, snapshots, tables, day):
    assert_same(run(store, "hub-coverage", as_of=day), hub_coverage_oracle(snapshots, tables, day))


def test_hub_coverage_defaults_to_the_snapshot_date(store):
    pd.testing.assert_frame_equal(run(store, "hub-coverage"), run(store, "hub-coverage", as_of=SNAPSHOT))


@pytest.mark.parametrize("day,streets", [(dt.date(2014, 12, 31), 5), (dt.date(2016, 12, 31), 14)], ids=str)
def test_hub_network_is_1_plus_5_plus_x_before_the_merger_and_1_plus_14_plus_x_after(store, day, streets):
    kinds = run(store, "hub-coverage", as_of=day)["hub_kind"].value_counts()
    assert kinds["federation"] == 1 and kinds["street"] == streets and kinds["industry"] >= 1


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_unattached_organisations(store, snapshots, tables, day):
    com = tables["communities"]
    streets = com.drop_duplicates("street_code").set_index("street_code")["street_name"]
    o = active_orgs(snapshots, day)
    members = register_on(snapshots["hub_memberships"], day)["uscc"]
    o = o[o["street_code"].isin(jingan_streets_on(tables, day)) & ~o["uscc"].isin(members)]
    o = o.sort_values(["street_code", "uscc"])
    oracle = pd.DataFrame(
        {
            "uscc": o["uscc"],
            "name": o["name"],
            "org_type": o["org_type"],
            "street_code": o["street_code"],
            "street": o["street_code"].map(streets),
            "registration_date": o["registration_date"],
        }
    )
    assert_same(run(store, "unattached-organisations", as_of=day), oracle)


# -- funding and evaluation --------------------------------------------------------------------


def _projects(tables, year=0, category=""):
    p = tables["projects"].copy()
    p["year"] = pd.to_datetime(p["award_date"]).dt.year
    if year:
        p = p[p["year"] == year]
    if category:
        p = p[p["category"] == category]
    return p


@pytest.mark.parametrize(
    "params", [{}, {"year": 2024}, {"category": "养老服务"}, {"year": 2021, "category": "社区治理"}]
)
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
    name = (
        tables["projects"].sort_values(["award_date", "project_id"]).groupby("purchaser_uscc")["purchaser_name"].last()
    )
    g = (
        p.groupby("purchaser_uscc")
        .agg(projects=("project_id", "size"), budget_yuan=("budget", "sum"), contract_yuan=("contract_amount", "sum"))
        .reset_index()
    )
    g["purchaser"] = g["purchaser_uscc"].map(name)
    oracle = g[["purchaser_uscc", "purchaser", "projects", "budget_yuan", "contract_yuan"]].sort_values(
        "purchaser_uscc"
    )
    assert_same(run(store, "funding-by-purchaser", **params), oracle.round(2))


@pytest.mark.parametrize("params", [{}, {"top": 1}, {"top": 5, "year": 2022}])
def test_provider_concentration(store, tables, params):
    top = params.get("top", 3)
    p = _projects(tables, year=params.get("year", 0))
    names = (
        tables["projects"].sort_values(["award_date", "project_id"]).groupby("purchaser_uscc")["purchaser_name"].last()
    )
    by = p.groupby(["purchaser_uscc", "provider_uscc"])["contract_amount"].sum().reset_index()
    rows = []
    for buyer, grp in by.groupby("purchaser_uscc"):
        values = np.sort(grp["contract_amount"].to_numpy())[::-1]
        total, top_value = values.sum(), values[:top].sum()
        rows.append(
            {
                "purchaser_uscc": buyer,
                "purchaser": names[buyer],
                "providers": len(values),
                "contract_yuan": round(total, 2),
                "top_n_yuan": round(top_value, 2),
                "top_n_share": round(top_value / total, 4),
            }
        )
    assert_same(run(store, "provider-concentration", **params), pd.DataFrame(rows))


@pytest.mark.parametrize("below", ["良好", "合格", "优秀"])
def test_poorly_evaluated_still_funded(store, tables, below):
    ev, p = tables["evaluations"], tables["projects"]
    org = tables["organisations"].set_index("uscc")
    rank = {g: r for g, (r, _floor) in EVALUATION_GRADES.items()}
    rated = ev[ev["grade"].map(rank) < rank[below]].merge(p[["project_id", "provider_uscc"]], on="project_id")
    later = p[["project_id", "provider_uscc", "award_date", "contract_amount"]].rename(
        columns={
            "project_id": "later_project",
            "award_date": "later_award_date",
            "contract_amount": "later_amount_yuan",
        }
    )
    x = rated.merge(later, on="provider_uscc")
    x = x[x["later_award_date"] > x["eval_date"]]
    oracle = pd.DataFrame(
        {
            "provider_uscc": x["provider_uscc"],
            "provider": x["provider_uscc"].map(org["name"]),
            "rated_project": x["project_id"],
            "grade": x["grade"],
            "score": x["score"],
            "evaluated_on": x["eval_date"],
            "later_project": x["later_project"],
            "later_award_date": x["later_award_date"],
            "later_amount_yuan": x["later_amount_yuan"],
        }
    ).sort_values(["provider_uscc", "rated_project", "later_project"])
    if below == "优秀" or len(oracle):
        assert_same(run(store, "poorly-evaluated-still-funded", below=below), oracle)
    else:  # nothing rated that low in the sample: the graph must agree
        assert run(store, "poorly-evaluated-still-funded", below=below).empty


# -- three-way linkage ---------------------------------------------------------------------------


@pytest.mark.parametrize("day", [dt.date(2019, 6, 30), dt.date(2022, 1, 1), SNAPSHOT], ids=str)
def test_community_linkage(store, tables, day):
    com, p, w = tables["communities"], tables["projects"], tables["workers"]
    p = p[(p["start_date"] <= day) & (p["end_date"] >= day)]
    w = w[w["certified_year"] <= day.year]
    served = p[["project_id", "provider_uscc", "served_communities"]].explode("served_communities")
    orgs = served.groupby("served_communities")["provider_uscc"].nunique()
    projects = served.groupby("served_communities")["project_id"].nunique()
    ws = w[["worker_key", "level", "served_communities"]].explode("served_communities")
    levels = ws.groupby(["served_communities", "level"]).size().unstack(fill_value=0)
    o = com.set_index("community_code")
    o["organisations"] = orgs.reindex(o.index, fill_value=0)
    o["projects"] = projects.reindex(o.index, fill_value=0)
    for level, col in (
        ("助理社会工作师", "assistant_workers"),
        ("社会工作师", "intermediate_workers"),
        ("高级社会工作师", "senior_workers"),
    ):
        o[col] = levels[level].reindex(o.index, fill_value=0) if level in levels else 0
    o["workers"] = o["assistant_workers"] + o["intermediate_workers"] + o["senior_workers"]
    o["missing_parties"] = (o["organisations"] == 0).astype(int) + (o["workers"] == 0).astype(int)
    o["missing"] = [
        "organisation+social_worker"
        if a == 0 and b == 0
        else "organisation"
        if a == 0
        else "social_worker"
        if b == 0
        else ""
        for a, b in zip(o["organisations"], o["workers"], strict=True)
    ]
    o = o.reset_index().sort_values(["missing_parties", "community_code"], ascending=[False, True])
    oracle = pd.DataFrame(
        {
            "community_code": o["community_code"],
            "community": o["community_name"],
            "street": o["street_name"],
            **{
                c: o[c]
                for c in (
                    "organisations",
                    "workers",
                    "assistant_workers",
                    "intermediate_workers",
                    "senior_workers",
                    "projects",
                    "missing_parties",
                    "missing",
                )
            },
        }
    )
    graph = run(store, "community-linkage", as_of=day)
    assert_same(graph, oracle)
    assert graph["missing_parties"].iloc[0] > 0  # the sample has gaps, and they come first


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_organisation_density(store, snapshots, tables, day):
    com = tables["communities"]
    streets = jingan_streets_on(tables, day)
    com = com[com["street_code"].isin(streets)]
    active = active_orgs(snapshots, day)
    active = active[active["street_code"].isin(streets)]
    pop = com.groupby("street_code")["population"].sum()
    n = active.groupby("street_code").size().reindex(pop.index, fill_value=0)
    names = com.drop_duplicates("street_code").set_index("street_code")["street_name"]
    street_rows = pd.DataFrame(
        {
            "level": "street",
            "district_code": "310106",
            "code": pop.index,
            "name": pop.index.map(names),
            "organisations": n.values,
            "population": pop.values,
            "per_10k_residents": (n.values * 10000 / pop.values).round(1),
        }
    )
    district = pd.DataFrame(
        [
            {
                "level": "district",
                "district_code": "310106",
                "code": "310106",
                "name": "静安区",
                "organisations": len(active),
                "population": int(pop.sum()),
                "per_10k_residents": round(len(active) * 10000 / pop.sum(), 1),
            }
        ]
    )
    oracle = pd.concat([district, street_rows.sort_values("code")], ignore_index=True)
    graph = run(store, "organisation-density", as_of=day)
    assert_same(graph[graph["district_code"] == "310106"], oracle)
    # Zhabei is a district of its own before the merger, and gone after
    assert ("310108" in set(graph["district_code"])) == (day < MERGER)


def test_organisation_density_reproduces_jingan_2014(store):
    """Sept 2014: 488 organisations, 16.5 per 10,000 residents (DOMAIN.md), computed not stored."""
    row = run(store, "organisation-density", as_of="2014-09-30").set_index("code").loc["310106"]
    assert row["organisations"] == 488 and round(row["per_10k_residents"], 1) == 16.5


@pytest.mark.parametrize("pick", [0, 100, -1])
def test_community_profile(store, tables, pick):
    com, p, w, ev = tables["communities"], tables["projects"], tables["workers"], tables["evaluations"]
    code = com.sort_values("community_code")["community_code"].iloc[pick]
    graph = run(store, "community-profile", code=code)
    assert len(graph) > 0
    got = {
        rel: set(graph.loc[graph["relation"] == rel, "key"])
        for rel in ("community", "project", "organisation", "social_worker")
    }
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


# -- time ---------------------------------------------------------------------------------------


def test_hub_network_history(store, sample_run, snapshots, tables):
    """Against the derived periods for every year, and against the snapshots themselves at the
    year-ends that have one (2014, 2016 and the current register)."""
    folder = sample_run[0].tables_dir
    membership = pd.read_parquet(folder / "hub_memberships__membership.parquet")
    status = pd.read_parquet(folder / "organisations__status.parquet").set_index("uscc")
    rows = []
    for year in range(2011, SNAPSHOT.year + 1):
        day = dt.date(year, 12, 31)
        hubs = hubs_on(tables, day)
        m = membership[
            (membership["valid_from"].isna() | (membership["valid_from"] <= day))
            & (membership["valid_to"].isna() | (membership["valid_to"] > day))
        ]
        frm, to = m["uscc"].map(status["valid_from"]), m["uscc"].map(status["valid_to"])
        m = m[(frm.isna() | (frm <= day)) & (to.isna() | (to > day)) & m["hub_id"].isin(hubs["hub_id"])]
        for kind in ("federation", "street", "industry"):
            ids = hubs.loc[hubs["hub_kind"].map(HUB_KINDS) == kind, "hub_id"]
            if len(ids):
                rows.append(
                    {"year": year, "hub_kind": kind, "hubs": len(ids), "members": int(m["hub_id"].isin(ids).sum())}
                )
    graph = run(store, "hub-network-history")
    assert_same(graph, pd.DataFrame(rows))
    for day in (dt.date(2014, 12, 31), dt.date(2016, 12, 31), SNAPSHOT):
        cov = hub_coverage_oracle(snapshots, tables, day).groupby("hub_kind")["members"].sum()
        got = graph[graph["year"] == day.year].set_index("hub_kind")["members"]
        assert got.to_dict() == cov.to_dict(), day


@pytest.mark.parametrize("min_grade", ["3A", "1A", "5A"])
def test_award_eligibility(store, snapshots, tables, min_grade):
    orgs, p = snapshots["organisations"], tables["projects"]
    # grades and credit listings as the snapshots recorded them; validity computed here
    g = orgs.dropna(subset=["grade_date"])[["uscc", "grade", "grade_date"]].drop_duplicates()
    g = g.sort_values(["uscc", "grade_date"])
    nxt = g.groupby("uscc")["grade_date"].shift(-1)
    g["end"] = [
        min(
            d.replace(year=d.year + GRADE_VALID_YEARS)
            if not (d.month == 2 and d.day == 29)
            else d.replace(year=d.year + GRADE_VALID_YEARS, day=28),
            n if isinstance(n, dt.date) else dt.date.max,
        )
        for d, n in zip(g["grade_date"], nxt, strict=True)
    ]
    g = g[g["grade"].map(ORG_GRADES.index) >= ORG_GRADES.index(min_grade)]
    c = (
        orgs.dropna(subset=["credit_list", "listed_on"])
        .groupby(["uscc", "credit_list", "listed_on"], as_index=False)["removed_on"]
        .max()
    )
    inspected = tables["annual_inspections"].set_index(["uscc", "year"])["result"]
    registered = tables["organisations"].set_index("uscc")["registration_date"]
    rows = []
    for rec in p.sort_values("project_id").to_dict("records"):
        o, day = rec["provider_uscc"], rec["award_date"]
        og, oc = g[g["uscc"] == o], c[c["uscc"] == o]
        no_grade = not ((og["grade_date"] <= day) & (og["end"] > day)).any()
        listed = bool(((oc["listed_on"] <= day) & (oc["removed_on"].isna() | (oc["removed_on"] > day))).any())
        result = inspected.get((o, day.year - 1))
        problem = (
            "missing"
            if result is None and registered[o] < dt.date(day.year - 1, 1, 1)
            else "不合格"
            if result == "不合格"
            else ""
        )
        if no_grade or listed or problem:
            rows.append(
                {
                    "project_id": rec["project_id"],
                    "provider_uscc": o,
                    "provider": tables["organisations"].set_index("uscc").loc[o, "name"],
                    "award_date": day,
                    "contract_yuan": rec["contract_amount"],
                    "no_valid_grade": no_grade,
                    "inspection_problem": problem,
                    "on_credit_list": listed,
                }
            )
    oracle = pd.DataFrame(rows)
    graph = run(store, "award-eligibility", min_grade=min_grade)
    assert_same(graph, oracle)
    # each reason occurs in the sample, so each branch of the query is exercised
    if min_grade == "3A":
        assert graph["on_credit_list"].any()
        assert (graph["inspection_problem"] != "").any() and (~graph["no_valid_grade"]).any()


def test_an_optional_filter_line_is_sent_only_when_its_parameter_is_given():
    from sanshe.queries.catalogue import get

    q = get("funding-by-street")
    every = q.text_for("neo4j", q.bind({}))
    assert "p.year" not in every and "p.category" not in every and "// when" not in every
    one = q.text_for("neo4j", q.bind({"year": "2024"}))
    assert "AND p.year = $year" in one and "p.category" not in one
