"""Oracle tests: every catalogue query's answer on the sample graph equals the same answer
computed independently with pandas from the validated tables (OUTPUT/tables/*.parquet).

The oracles use only the accepted tables and the domain enumerations, never the graph-building
code, so a mistake in graph loading or in a query shows up as a difference. Each query is
checked on both stores (the embedded one and Neo4j, the `graph` fixture), and `check` holds
every answer it gives to the oracle: the whole answer, the bounded default (its first rows by
the declared ranking and the count of the rest, also with a bound of 3 rows read in batches of
7), the `--out` Parquet file, and the answer scoped to a district, a street, a community (where
the query takes one) and a district the sample does not have.
"""

import dataclasses
import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import as_of

from data_contracts.enums import EVALUATION_GRADES, GRADE_VALID_YEARS, HUB_KINDS, ORG_GRADES
from sanshe.queries import catalogue as cat
from sanshe.queries.catalogue import answer, catalogue, execute, export

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


#: scopes every query that takes the level is checked with, and the prefix each selects: the
#: sample's district, one of its streets (as its 12-digit code), one committee of that street,
#: and a district of Beijing, which the sample does not have (an empty answer)
SCOPES = {
    "district": ("310106", "310106"),
    "street": ("310106006000", "310106006"),
    "community": ("310106006001", "310106006001"),
    "nowhere": ("110101", "110101"),
}
LEVEL_OF = {"district": "district", "street": "street", "community": "community", "nowhere": "district"}


@pytest.fixture(params=["embedded", "neo4j"], scope="module")
def graph(request, store):
    """The sample's graph in the embedded store, then in Neo4j (skipped without a server,
    except under CI=true)."""
    return store if request.param == "embedded" else request.getfixturevalue("neo4j")


def run(store, name, **params) -> pd.DataFrame:
    return execute(store, name, {k: str(v) for k, v in params.items()})


def ranked(df: pd.DataFrame, by: tuple[str, ...], kind: str = "quicksort") -> pd.DataFrame:
    """Rows sorted by column names (a leading - descending); `kind_order` is the hub kinds'
    reading order, federation, street, industry. `kind="stable"` keeps rows equal in those
    columns in the order they came."""
    keys = df
    if "hub_kind" in df:
        keys = df.assign(kind_order=df["hub_kind"].map({"federation": 0, "street": 1, "industry": 2}))
    idx = keys.sort_values([c.lstrip("-") for c in by], ascending=[not c.startswith("-") for c in by], kind=kind).index
    return df.loc[idx].reset_index(drop=True)


def check(graph, name: str, params: dict, oracle: Callable[[str], pd.DataFrame], tmp_path, monkeypatch) -> None:
    """The query's answers against `oracle(prefix)`, the oracle's whole answer for the scope
    with that code prefix ("" = the whole country): whole, bounded, exported, scoped."""
    query, given = catalogue()[name], {k: str(v) for k, v in params.items()}
    whole = oracle("")
    assert_same(execute(graph, name, given), whole)
    # the default bound, then a bound of 3 read in batches of 7, so that every query's ranking
    # and count of the rest are exercised on the sample
    for top in (query.bound.top, 3):
        if not query.bound.top:
            got = answer(graph, name, given)
            assert got.rest == 0
            assert_same(got.rows, whole)
            break
        with monkeypatch.context() as m:
            m.setitem(catalogue(), name, dataclasses.replace(query, bound=dataclasses.replace(query.bound, top=top)))
            m.setattr(cat, "EXPORT_BATCH_ROWS", 7)
            got = answer(graph, name, given)
        assert_same(got.rows, ranked(whole, query.bound.by).head(top))
        assert got.rest == max(len(whole) - top, 0) and got.total == len(whole)
    # --out: the whole answer in a Parquet file that pyarrow reads, written in batches of 7
    out = tmp_path / f"{name}.parquet"
    with monkeypatch.context() as m:
        m.setattr(cat, "EXPORT_BATCH_ROWS", 7)
        assert export(graph, name, given, out) == len(whole)
    table = pq.read_table(out)
    assert table.num_rows == len(whole) and table.column_names == list(whole.columns)
    written = table.to_pandas()
    assert_same(ranked(written, query.order_by), whole)
    # and written in the declared order itself, not left for the reader to sort
    pd.testing.assert_frame_equal(ranked(written, query.order_by, kind="stable"), written)
    for scope, (code, prefix) in SCOPES.items():
        if not query.scope or LEVEL_OF[scope] not in query.scope.levels:
            continue
        expect, got = oracle(prefix), execute(graph, name, {**given, "scope": code})
        if len(expect):
            assert_same(got, expect)
        else:
            assert got.empty, f"{name} scoped to {code}"


def test_every_query_takes_the_scopes_it_declares_and_refuses_others(store):
    from data_contracts.errors import QueryError

    for name, query in catalogue().items():
        levels = query.scope.levels if query.scope else ()
        for level, code in (("province", "31"), *((lv, SCOPES[lv][0]) for lv in ("district", "street", "community"))):
            if level in levels:
                run(store, name, scope=code)
            else:
                with pytest.raises(QueryError, match="scope"):
                    run(store, name, scope=code)
    with pytest.raises(QueryError, match="2, 6, 9 or 12 digits"):
        run(store, "community-linkage", scope="3101060")


def in_scope(codes: pd.Series, prefix: str) -> pd.Series:
    return codes.fillna("").astype(str).str.startswith(prefix)


def serves_scope(projects: pd.DataFrame, prefix: str) -> pd.Series:
    """Projects delivered in at least one community of the scope."""
    return projects["served_communities"].map(lambda cs: any(str(c).startswith(prefix) for c in cs))


def hubs_in_scope(tables, prefix: str) -> set[str]:
    """A street hub by its street, the federation by its district, a hub under it by the federation's district."""
    h = tables["hubs"]
    district = h.set_index("hub_id")["district_code"]
    own = in_scope(h["street_code"], prefix) | in_scope(h["district_code"], prefix)
    parent = in_scope(h["parent_hub_id"].map(district), prefix)
    return set(h.loc[own | parent, "hub_id"])


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


def hub_coverage_oracle(snapshots, tables, day, scope: str = "") -> pd.DataFrame:
    hubs = hubs_on(tables, day)
    hubs = hubs[hubs["hub_id"].isin(hubs_in_scope(tables, scope))]
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
def test_hub_coverage(graph, snapshots, tables, day, tmp_path, monkeypatch):
    check(
        graph,
        "hub-coverage",
        {"as_of": day},
        lambda s: hub_coverage_oracle(snapshots, tables, day, s),
        tmp_path,
        monkeypatch,
    )


def test_hub_coverage_defaults_to_the_snapshot_date(store):
    pd.testing.assert_frame_equal(run(store, "hub-coverage"), run(store, "hub-coverage", as_of=SNAPSHOT))


@pytest.mark.parametrize("day,streets", [(dt.date(2014, 12, 31), 5), (dt.date(2016, 12, 31), 14)], ids=str)
def test_hub_network_is_1_plus_5_plus_x_before_the_merger_and_1_plus_14_plus_x_after(store, day, streets):
    kinds = run(store, "hub-coverage", as_of=day)["hub_kind"].value_counts()
    assert kinds["federation"] == 1 and kinds["street"] == streets and kinds["industry"] >= 1


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_unattached_organisations(graph, snapshots, tables, day, tmp_path, monkeypatch):
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
    check(
        graph,
        "unattached-organisations",
        {"as_of": day},
        lambda s: oracle[in_scope(oracle["street_code"], s)],
        tmp_path,
        monkeypatch,
    )


# -- funding and evaluation --------------------------------------------------------------------


def _projects(tables, year=0, category="", scope=""):
    p = tables["projects"].copy()
    p = p[serves_scope(p, scope)]
    p["year"] = pd.to_datetime(p["award_date"]).dt.year
    if year:
        p = p[p["year"] == year]
    if category:
        p = p[p["category"] == category]
    return p


@pytest.mark.parametrize(
    "params", [{}, {"year": 2024}, {"category": "养老服务"}, {"year": 2021, "category": "社区治理"}]
)
def test_funding_by_street(graph, tables, params, tmp_path, monkeypatch):
    p = _projects(tables, **params)
    com = tables["communities"].set_index("community_code")
    x = p[["project_id", "contract_amount", "served_communities"]].explode("served_communities")
    x["share"] = x["contract_amount"] / x["project_id"].map(p.set_index("project_id")["served_communities"].map(len))
    x["street_code"] = x["served_communities"].map(com["street_code"])
    g = x.groupby("street_code").agg(projects=("project_id", "nunique"), funding_yuan=("share", "sum")).reset_index()
    g["street"] = g["street_code"].map(com.drop_duplicates("street_code").set_index("street_code")["street_name"])
    oracle = g[["street_code", "street", "projects", "funding_yuan"]].sort_values("street_code")
    oracle["funding_yuan"] = oracle["funding_yuan"].round(2)
    # a street's figure does not depend on the scope: the scoped answer is the street's rows
    check(
        graph, "funding-by-street", params, lambda s: oracle[in_scope(oracle["street_code"], s)], tmp_path, monkeypatch
    )
    # the streets' shares add up to the contract value of the selected projects
    got = run(graph, "funding-by-street", **params)
    assert got["funding_yuan"].sum() == pytest.approx(p["contract_amount"].sum(), abs=0.01 * len(got))


@pytest.mark.parametrize("params", [{}, {"year": 2023}, {"category": "青少年服务"}])
def test_funding_by_purchaser(graph, tables, params, tmp_path, monkeypatch):
    check(
        graph,
        "funding-by-purchaser",
        params,
        lambda s: funding_by_purchaser_oracle(tables, params, s),
        tmp_path,
        monkeypatch,
    )


def funding_by_purchaser_oracle(tables, params, scope) -> pd.DataFrame:
    p = _projects(tables, **params, scope=scope)
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
    return oracle.round(2)


@pytest.mark.parametrize("params", [{}, {"top": 1}, {"top": 5, "year": 2022}])
def test_provider_concentration(graph, tables, params, tmp_path, monkeypatch):
    check(
        graph,
        "provider-concentration",
        params,
        lambda s: provider_concentration_oracle(tables, params, s),
        tmp_path,
        monkeypatch,
    )


def provider_concentration_oracle(tables, params, scope) -> pd.DataFrame:
    top = params.get("top", 3)
    p = _projects(tables, year=params.get("year", 0), scope=scope)
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
    return pd.DataFrame(
        rows, columns=["purchaser_uscc", "purchaser", "providers", "contract_yuan", "top_n_yuan", "top_n_share"]
    )


@pytest.mark.parametrize("below", ["良好", "合格", "优秀"])
def test_poorly_evaluated_still_funded(graph, tables, below, tmp_path, monkeypatch):
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
        street = oracle["provider_uscc"].map(org["street_code"])
        check(
            graph,
            "poorly-evaluated-still-funded",
            {"below": below},
            lambda s: oracle[in_scope(street, s)],
            tmp_path,
            monkeypatch,
        )
    else:  # nothing rated that low in the sample: the graph must agree
        assert run(graph, "poorly-evaluated-still-funded", below=below).empty


# -- three-way linkage ---------------------------------------------------------------------------


@pytest.mark.parametrize("day", [dt.date(2019, 6, 30), dt.date(2022, 1, 1), SNAPSHOT], ids=str)
def test_community_linkage(graph, tables, day, tmp_path, monkeypatch):
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
    check(
        graph,
        "community-linkage",
        {"as_of": day},
        lambda s: oracle[in_scope(oracle["community_code"], s)],
        tmp_path,
        monkeypatch,
    )
    assert run(graph, "community-linkage", as_of=day)["missing_parties"].iloc[0] > 0  # gaps, and they come first


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_organisation_density(graph, snapshots, tables, day, tmp_path, monkeypatch):
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
    got = run(graph, "organisation-density", as_of=day)
    assert_same(got[got["district_code"] == "310106"], oracle)
    # Zhabei is a district of its own before the merger, and gone after
    assert ("310108" in set(got["district_code"])) == (day < MERGER)
    if day >= MERGER:  # the whole answer is Jing'an's, so every answer is held to the oracle
        check(
            graph,
            "organisation-density",
            {"as_of": day},
            lambda s: oracle[in_scope(oracle["code"], s)],
            tmp_path,
            monkeypatch,
        )
    else:  # the oracle leaves out Zhabei's rows: a Jing'an street's scope
        scoped = run(graph, "organisation-density", as_of=day, scope=SCOPES["street"][0])
        assert_same(scoped, oracle[in_scope(oracle["code"], SCOPES["street"][1])])


def test_organisation_density_reproduces_jingan_2014(store):
    """Sept 2014: 488 organisations, 16.5 per 10,000 residents (DOMAIN.md), computed not stored."""
    row = run(store, "organisation-density", as_of="2014-09-30").set_index("code").loc["310106"]
    assert row["organisations"] == 488 and round(row["per_10k_residents"], 1) == 16.5


@pytest.mark.parametrize("pick", [0, 100, -1])
def test_community_profile(graph, tables, pick):
    com, p, w, ev = tables["communities"], tables["projects"], tables["workers"], tables["evaluations"]
    code = com.sort_values("community_code")["community_code"].iloc[pick]
    whole, graph = graph, run(graph, "community-profile", code=code)
    assert len(graph) > 0
    # its bound is the whole answer: one community's
    bounded = answer(whole, "community-profile", {"code": code})
    assert bounded.rest == 0 and bounded.rows.equals(graph)
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


def test_hub_network_history(graph, sample_run, snapshots, tables, tmp_path, monkeypatch):
    """Against the derived periods for every year, and against the snapshots themselves at the
    year-ends that have one (2014, 2016 and the current register); from a later first year too,
    where hubs and memberships founded before it start at that year."""
    check(
        graph,
        "hub-network-history",
        {},
        lambda s: hub_network_history_oracle(sample_run, tables, s),
        tmp_path,
        monkeypatch,
    )
    check(
        graph,
        "hub-network-history",
        {"from_year": 2016},
        lambda s: hub_network_history_oracle(sample_run, tables, s, 2016),
        tmp_path,
        monkeypatch,
    )
    got = run(graph, "hub-network-history")
    for day in (dt.date(2014, 12, 31), dt.date(2016, 12, 31), SNAPSHOT):
        cov = hub_coverage_oracle(snapshots, tables, day).groupby("hub_kind")["members"].sum()
        at = got[got["year"] == day.year].set_index("hub_kind")["members"]
        assert at.to_dict() == cov.to_dict(), day


def hub_network_history_oracle(sample_run, tables, scope: str, from_year: int = 2011) -> pd.DataFrame:
    folder = sample_run[0].tables_dir
    membership = pd.read_parquet(folder / "hub_memberships__membership.parquet")
    status = pd.read_parquet(folder / "organisations__status.parquet").set_index("uscc")
    rows = []
    for year in range(from_year, SNAPSHOT.year + 1):
        day = dt.date(year, 12, 31)
        hubs = hubs_on(tables, day)
        hubs = hubs[hubs["hub_id"].isin(hubs_in_scope(tables, scope))]
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
    return pd.DataFrame(rows, columns=["year", "hub_kind", "hubs", "members"])


@pytest.mark.parametrize("min_grade", ["3A", "1A", "2A", "4A", "5A"])
def test_award_eligibility(graph, snapshots, tables, min_grade, tmp_path, monkeypatch):
    oracle = award_eligibility_oracle(snapshots, tables, min_grade)
    served = tables["projects"].set_index("project_id")
    delivered = oracle["project_id"].map(lambda pid: served.loc[pid, "served_communities"])
    check(
        graph,
        "award-eligibility",
        {"min_grade": min_grade},
        lambda s: oracle[delivered.map(lambda cs: any(str(c).startswith(s) for c in cs))],
        tmp_path,
        monkeypatch,
    )
    # each reason occurs in the sample, so each branch of the query is exercised
    if min_grade == "3A":
        got = run(graph, "award-eligibility", min_grade=min_grade)
        assert got["on_credit_list"].any()
        assert (got["inspection_problem"] != "").any() and (~got["no_valid_grade"]).any()


def award_eligibility_oracle(snapshots, tables, min_grade) -> pd.DataFrame:
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
    return pd.DataFrame(rows)


def test_an_optional_filter_line_is_sent_only_when_its_parameter_is_given():
    from sanshe.queries.catalogue import get

    q = get("funding-by-street")
    every = q.text_for("neo4j", q.bind({}))
    assert "p.year" not in every and "p.category" not in every and "// when" not in every
    one = q.text_for("neo4j", q.bind({"year": "2024"}))
    assert "AND p.year = $year" in one and "p.category" not in one


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_the_declared_orders_name_one_row_each(store, name):
    """A bounded answer is sorted by its declared keys alone (`ordered`): rows tied on them
    would be shown in the store's order, which may differ between runs, so that the same graph
    printed other first rows. Every query's `order_by` and `bound.by` must tell its rows apart
    (on the sample's whole answers; `kind_order` stands for the hub kind)."""
    q = catalogue()[name]
    whole = run(store, name)
    assert not whole.empty, f"{name}: the sample gives no rows to check"
    for keys in (q.order_by, q.bound.by):
        columns = ["hub_kind" if k == "kind_order" else k.removeprefix("-") for k in keys]
        if columns:
            tied = whole[whole.duplicated(columns, keep=False)]
            assert tied.empty, f"{name}: rows tied on {keys}:\n{tied.head()}"


def test_an_unless_line_is_sent_only_when_its_parameter_is_not_given():
    """poorly-evaluated-still-funded's join-order HINTs plan the national answer; a scoped
    answer is sent without them (and with its scope filter), and Neo4j never sees them."""
    from sanshe.queries.catalogue import get

    q = get("poorly-evaluated-still-funded")
    national = q.text_for("ladybug", q.bind({}))
    scoped = q.text_for("ladybug", q.bind({"scope": "310106"}))
    assert national.count("\nHINT ") == 3 and "$scope" not in national and "// unless" not in national
    assert "\nHINT " not in scoped and "s.code STARTS WITH $scope" in scoped and "// unless" not in scoped
    assert "\nHINT " not in q.text_for("neo4j", q.bind({}))


def test_companions_answer_only_the_parameters_they_name():
    """funding-by-street's companions read all-years totals: a given year or category, or a
    scope, sends the query whole; award-eligibility's companions take its grade."""
    streets, awards = catalogue()["funding-by-street"], catalogue()["award-eligibility"]
    assert streets.companions_take({}) and awards.companions_take({"min_grade": "4A"})
    assert not streets.companions_take({"year": "2019"}) and not streets.companions_take({"category": "养老服务"})
    # a scope is taken where the companions filter on it (funding-by-street's totals cannot)
    assert awards.companions_take({"scope": "310106"}) and not streets.companions_take({"scope": "310106"})
    assert streets.companions_take({"scope": ""})  # the empty scope is the whole country
    # provider-concentration's totals are for its default top only (the first rows' own row
    # count is $first_rows, so a given top is not mistaken for it)
    shares = catalogue()["provider-concentration"]
    assert shares.companions_take({}) and not shares.companions_take({"top": "5"})
    assert not catalogue()["hub-network-history"].companions_take({})
    # community-linkage's companions count the snapshot day only
    linkage = catalogue()["community-linkage"]
    assert linkage.companions_take({}) and not linkage.companions_take({"as_of": "2015-06-30"})


@pytest.mark.parametrize("name", [n for n, q in catalogue().items() if q.has_companions])
def test_companions_give_the_bounded_whole_answer(graph, name, monkeypatch):
    """With its default parameters, a query whose companions answer (COMPANIONS) gives what
    its whole answer ranked and cut gives: the first rows and the count of the rest, with the
    declared bound and with a bound of 3 (the sample has fewer rows than most bounds)."""
    query = catalogue()[name]
    assert query.companions_take({})
    whole = execute(graph, name, {})
    assert len(whole) > 3, f"the sample should answer {name} with more than 3 rows"
    for top in (query.bound.top, 3):
        with monkeypatch.context() as m:
            m.setitem(catalogue(), name, dataclasses.replace(query, bound=dataclasses.replace(query.bound, top=top)))
            got = answer(graph, name, {})
        assert_same(got.rows, ranked(whole, query.bound.by).head(top))
        assert got.rest == max(len(whole) - top, 0)
    # scoped, where the companions take a scope (the whole answer is then the scoped query's)
    for scope, (code, _prefix) in SCOPES.items():
        given = {"scope": code}
        if LEVEL_OF[scope] not in query.scope.levels or not query.companions_take(given):
            continue
        whole = execute(graph, name, given)
        with monkeypatch.context() as m:
            m.setitem(catalogue(), name, dataclasses.replace(query, bound=dataclasses.replace(query.bound, top=3)))
            got = answer(graph, name, given)
        if whole.empty:  # a district the sample does not have
            assert got.rows.empty and got.rest == 0, (name, code)
            continue
        assert_same(got.rows, ranked(whole, query.bound.by).head(3))
        assert got.rest == max(len(whole) - 3, 0), (name, code)
