"""The facts computed at load time (pipelines/graph/standing.py, Project.community_count) against
the detailed data they summarise: each is recomputed here by Cypher from the graph's own
relationships (grade, credit-list and inspection edges with their validity, DELIVERED_IN and
AWARDED_TO edges), in the embedded store and in Neo4j, and must agree row for row. The rules
are the ones award-eligibility and poorly-evaluated-still-funded applied before the facts
existed."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from data_contracts.enums import ORG_GRADES
from pipelines.graph.standing import _new_year, later_awards, membership_year_ends

DETAILED_STANDING = """
MATCH (p:Project)-[:AWARDED_TO]->(o:SocialOrganisation)
WITH p, o, p.award_date AS day
RETURN p.project_id AS project_id,
       COUNT { MATCH (o)-[g:HAS_GRADE]->(x:OrgGrade)
               WHERE x.rank >= $rank AND g.valid_from <= day AND (g.valid_to IS NULL OR g.valid_to > day) } > 0 AS graded,
       COUNT { MATCH (o)-[c:ON_CREDIT_LIST]->(:CreditList)
               WHERE c.valid_from <= day AND (c.valid_to IS NULL OR c.valid_to > day) } > 0 AS listed,
       p.provider_grade_rank >= $rank AS graded_fact, p.provider_on_credit_list AS listed_fact
"""


SNAPSHOT_LINKAGE = """
MATCH (d:Dataset)
MATCH (c:Community)
OPTIONAL MATCH (c)<-[:DELIVERED_IN]-(p:Project)-[:AWARDED_TO]->(o:SocialOrganisation)
WHERE p.start_date <= d.snapshot_date AND p.end_date >= d.snapshot_date
WITH c, d, count(DISTINCT o) AS organisations, count(DISTINCT p) AS projects
OPTIONAL MATCH (c)<-[:SERVES]-(w:SocialWorker)
WHERE w.certified_year <= $snapshot_year
WITH c, organisations, projects,
     count(CASE WHEN w.level = '助理社会工作师' THEN 1 END) AS assistant,
     count(CASE WHEN w.level = '社会工作师' THEN 1 END) AS intermediate,
     count(CASE WHEN w.level = '高级社会工作师' THEN 1 END) AS senior
RETURN c.code AS code, organisations, projects, assistant, intermediate, senior,
       c.snapshot_organisations AS organisations_fact, c.snapshot_projects AS projects_fact,
       c.snapshot_assistant_workers AS assistant_fact, c.snapshot_intermediate_workers AS intermediate_fact,
       c.snapshot_senior_workers AS senior_fact
"""


@pytest.fixture(params=["embedded", "neo4j"], scope="module")
def graph(request, store):
    return store if request.param == "embedded" else request.getfixturevalue("neo4j")


@pytest.mark.parametrize("rank", range(1, len(ORG_GRADES) + 1))
def test_the_provider_standing_on_the_award_day_agrees_with_the_histories(graph, rank):
    got = graph.query(DETAILED_STANDING, {"rank": rank})
    assert len(got) > 0
    assert (got["graded"] == got["graded_fact"]).all(), got[got["graded"] != got["graded_fact"]].head()
    assert (got["listed"] == got["listed_fact"]).all(), got[got["listed"] != got["listed_fact"]].head()
    assert got["listed"].any() and got["graded"].any() and not got["graded"].all()


def test_the_inspection_problem_agrees_with_the_inspections(graph):
    text = """
    MATCH (p:Project)-[:AWARDED_TO]->(o:SocialOrganisation)
    OPTIONAL MATCH (o)-[:HAS_INSPECTION]->(i:AnnualInspection)
    WHERE i.year = p.year - 1
    RETURN p.project_id AS project_id, p.year AS year, o.registration_date AS registered,
           i.result AS result, i IS NULL AS uninspected, p.provider_inspection AS fact
    """
    got = graph.query(text)
    registered = pd.to_datetime(got["registered"])
    year_start = pd.to_datetime([f"{int(y) - 1}-01-01" if pd.notna(y) else None for y in got["year"]])
    expect = [
        "missing" if none and pd.notna(r) and pd.notna(s) and r < s else "不合格" if res == "不合格" else ""
        for none, r, s, res in zip(got["uninspected"], registered, year_start, got["result"], strict=True)
    ]
    assert got["fact"].fillna("").tolist() == expect  # no problem is stored as no value
    assert {"missing", "不合格", ""} <= set(expect), "the sample should exercise every outcome"


def test_later_awards_count_the_rows_each_evaluation_gives(graph):
    detailed = graph.query(
        """
        MATCH (e:Evaluation)-[:EVALUATES]->(p:Project)-[:AWARDED_TO]->(o:SocialOrganisation)
        OPTIONAL MATCH (later:Project)-[:AWARDED_TO]->(o)
        WHERE later.award_date > e.eval_date AND later.project_id <> p.project_id
        RETURN e.evaluation_id AS evaluation_id, count(later) AS later, e.later_awards AS fact
        """
    )
    assert len(detailed) > 0 and detailed["later"].sum() > 0
    assert (detailed["later"] == detailed["fact"]).all(), detailed[detailed["later"] != detailed["fact"]].head()
    # an evaluation of a project with no provider in the graph has no count
    linked = set(detailed["evaluation_id"])
    rest = graph.query("MATCH (e:Evaluation) RETURN e.evaluation_id AS evaluation_id, e.later_awards AS fact")
    assert rest[~rest["evaluation_id"].isin(linked)]["fact"].isna().all()


def test_community_count_is_the_projects_delivered_in_edges(graph):
    got = graph.query(
        "MATCH (p:Project) RETURN p.project_id AS project_id, p.community_count AS fact, "
        "COUNT { MATCH (p)-[:DELIVERED_IN]->(:Community) } AS edges"
    )
    assert len(got) > 0 and (got["fact"] == got["edges"]).all()


def test_later_awards_edge_cases():
    """Same day is not later, the rated project is not counted, a missing day counts nothing,
    an unknown provider has no count (the binary search's block edges and clipping)."""
    d = dt.date
    projects = pd.DataFrame(
        {
            "project_id": ["P1", "P2", "P3", "P4", "Q1", "R1"],
            "provider_uscc": ["A", "A", "A", "A", "B", None],
            "award_date": [d(2020, 1, 1), d(2021, 1, 1), d(2022, 1, 1), None, d(1990, 1, 1), d(2020, 1, 1)],
        }
    )
    evaluations = pd.DataFrame(
        {
            "project_id": ["P1", "P1", "P2", "P3", "Q1", "R1", "ZZ", "P2"],
            "eval_date": [
                d(2019, 1, 1),  # before every award of A: P2 and P3 (P1 is the rated project)
                d(2021, 1, 1),  # the same day as P2 is not after it: P3 only
                d(2023, 1, 1),  # after every award
                None,  # no day: nothing is later
                d(1980, 1, 1),  # B's only award is the rated one
                d(2019, 1, 1),  # no provider
                d(2019, 1, 1),  # unknown project
                d(2020, 6, 1),  # P2 itself is later but not counted: P3
            ],
        }
    )
    got = later_awards(evaluations, projects, pd.Series(["A", "B"]))
    assert got.tolist() == [2, 1, 0, 0, 0, pd.NA, pd.NA, 1]


def _later_awards_by_pairing(evaluations: pd.DataFrame, projects: pd.DataFrame, providers: list[str]) -> list:
    """The rule of `later_awards`, one evaluation and one project at a time: the first project
    row of each id among those of a registered provider; None where the evaluated id has none."""
    ids, usccs, days = ([None if pd.isna(v) else v for v in projects[c]] for c in projects.columns)
    first: dict[str, int] = {}
    for i, (pid, uscc) in enumerate(zip(ids, usccs, strict=True)):
        if pid is not None and uscc in providers and pid not in first:
            first[pid] = i
    out: list = []
    for pid, day in zip(evaluations["project_id"], evaluations["eval_date"], strict=True):
        if pid not in first:
            out.append(None)
            continue
        rated = first[pid]
        later = [r for r in first.values() if r != rated and usccs[r] == usccs[rated] and days[r] is not None]
        out.append(0 if day is None else sum(days[r] > day for r in later))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_later_awards_agree_with_pairing_every_evaluation_with_every_project(seed):
    """Repeated project ids (the first counts), providers missing or not registered, days
    missing, ids no project has: the vectorised counts against the pairing above."""
    rng = np.random.default_rng(seed)
    n, m = 300, 200
    days = [dt.date(2015, 1, 1) + dt.timedelta(days=int(x)) for x in rng.integers(0, 3000, n + m)]
    projects = pd.DataFrame(
        {
            "project_id": [f"P{x}" if x else None for x in rng.integers(0, 250, n)],
            "provider_uscc": [None if x == 9 else f"U{x}" for x in rng.integers(0, 10, n)],
            "award_date": [None if rng.random() < 0.1 else d for d in days[:n]],
        }
    ).astype({"project_id": "string", "provider_uscc": "string"})
    evaluations = pd.DataFrame(
        {
            "project_id": [f"P{x}" if x < 280 else None for x in rng.integers(0, 290, m)],  # some missing
            "eval_date": [None if rng.random() < 0.1 else d for d in days[n:]],
        },
        index=pd.RangeIndex(5, 5 + m),
    )
    providers = pd.Series([f"U{x}" for x in range(8)] + [None])
    got = later_awards(evaluations, projects, providers)
    want = _later_awards_by_pairing(evaluations, projects, [f"U{x}" for x in range(8)])
    assert got.index.equals(evaluations.index)
    assert [None if pd.isna(x) else x for x in got] == want
    assert got.notna().any() and (got > 0).any() and got.isna().any()


def test_street_totals_agree_with_the_projects_delivered_there(graph):
    got = graph.query(
        """
        MATCH (p:Project)-[:DELIVERED_IN]->(:Community)-[:IN_STREET]->(s:Street)
        WITH s, p, sum(p.contract_amount / COUNT { MATCH (p)-[:DELIVERED_IN]->(:Community) }) AS share
        RETURN s.code AS code, count(p) AS projects, sum(share) AS funding, s.project_count AS projects_fact,
               s.funding_yuan AS funding_fact
        """
    )
    assert len(got) > 1
    assert (got["projects"] == got["projects_fact"]).all()
    assert (got["funding"] - got["funding_fact"]).abs().max() <= 0.005 + 1e-6
    others = graph.query(
        "MATCH (s:Street) WHERE NOT EXISTS { MATCH (s)<-[:IN_STREET]-(:Community)<-[:DELIVERED_IN]-(:Project) } "
        "RETURN s.project_count AS n, s.funding_yuan AS f"
    )
    assert (others["n"] == 0).all() and (others["f"] == 0).all()


def test_the_snapshot_linkage_agrees_with_projects_and_workers(graph):
    """Community.snapshot_* against community-linkage's own detailed pattern on the snapshot day."""
    year = (
        "d.snapshot_date.year"
        if getattr(graph, "dialect", "ladybug") == "neo4j"
        else "date_part('year', d.snapshot_date)"
    )
    got = graph.query(SNAPSHOT_LINKAGE.replace("$snapshot_year", year))
    assert len(got) > 1
    for name in ("organisations", "projects", "assistant", "intermediate", "senior"):
        assert (got[name] == got[f"{name}_fact"]).all(), (name, got[got[name] != got[f"{name}_fact"]].head())
        assert got[name].sum() > 0 or name == "senior", f"the sample should have {name} on the snapshot day"
    assert ((got["organisations"] == 0) | ((got["assistant"] + got["intermediate"] + got["senior"]) == 0)).any()


def test_the_snapshot_hub_coverage_agrees_with_memberships_branches_and_liaisons(graph, store):
    """Hub.snapshot_* against hub-coverage's detailed answer on the snapshot day."""
    from sanshe.queries.catalogue import execute

    day = str(store.query("MATCH (d:Dataset) RETURN d.snapshot_date AS day")["day"].iloc[0])[:10]
    detailed = execute(graph, "hub-coverage", {"as_of": day}).set_index("hub_id")
    facts = graph.query(
        "MATCH (h:Hub) RETURN h.hub_id AS hub_id, h.snapshot_members AS members, "
        "h.snapshot_with_party_branch AS with_party_branch, h.snapshot_with_liaison_only AS with_liaison_only, "
        "h.snapshot_with_neither AS with_neither"
    ).set_index("hub_id")
    columns = ["members", "with_party_branch", "with_liaison_only", "with_neither"]
    assert detailed["members"].sum() > 0 and detailed["with_liaison_only"].sum() > 0
    got = facts.loc[detailed.index, columns].astype(int)
    assert (got == detailed[columns].astype(int)).all().all()
    # a hub that does not exist that day has no members counted
    assert (facts.drop(index=detailed.index)["members"] == 0).all()


def test_membership_year_ends_bound_the_31_decembers_each_membership_counts_on():
    """The latest start year and the earliest end year less one, of the membership, its
    organisation's active period and its hub; an open side sets no bound."""
    d = dt.date
    members = pd.DataFrame(
        {
            "uscc": ["A", "B", "C", "Z"],
            "hub_id": ["H1", "H1", "H2", "H1"],
            "valid_from": [d(2012, 5, 1), None, d(2015, 3, 1), None],
            "valid_to": [None, d(2016, 1, 1), d(2015, 6, 1), None],
        }
    )
    status = pd.DataFrame(
        {"uscc": ["A", "B"], "valid_from": [d(2010, 1, 1), None], "valid_to": [d(2020, 12, 31), None]}
    )
    hubs = pd.DataFrame({"hub_id": ["H1", "H2"], "valid_from": [d(2013, 1, 1), None], "valid_to": [None, None]})
    got = membership_year_ends(members, status, hubs)
    # A: from 2013 (its hub) to 2019 (active until 2020-12-31, which is not after that day)
    # B: to 2015 (membership ends 2016-01-01); C: holds on no 31 December; Z: no organisation row
    assert got["year_end_first"].tolist() == [2013, 2013, 2015, 2013]
    assert got["year_end_last"].tolist()[:3] == [2019, 2015, 2014] and pd.isna(got["year_end_last"].iloc[3])


def test_provider_concentration_counts_the_default_top():
    """The load sums the largest providers provider-concentration's default `top` names."""
    from pipelines.graph.standing import CONCENTRATION_TOP
    from sanshe.queries.catalogue import catalogue

    (top,) = [p for p in catalogue()["provider-concentration"].params if p.name == "top"]
    assert top.default == CONCENTRATION_TOP


def test_outside_network_gives_each_organisation_once():
    """As unattached-organisations finds each street once: a district with two federations, or
    a street with two periods in it holding the same day, still gives one row per organisation
    (to the first federation by hub_id), so the companions count what the whole answer lists."""
    from pipelines.graph.standing import outside_network

    d = dt.date
    orgs = pd.DataFrame({"uscc": ["A", "B"], "street_code": ["S1", "S2"]})
    status = pd.DataFrame({"uscc": ["A", "B"], "valid_from": [None, None], "valid_to": [None, None]})
    members = pd.DataFrame({"uscc": ["B"], "hub_id": ["H9"], "valid_from": [None], "valid_to": [None]})
    periods = pd.DataFrame(
        {
            "street_code": ["S1", "S1", "S2"],
            "parent": ["D1", "D1", "D1"],
            "valid_from": [None, d(2019, 1, 1), None],
            "valid_to": [None, None, None],
        }
    )
    feds = pd.DataFrame({"hub_id": ["H2", "H1"], "district_code": ["D1", "D1"]})
    got = outside_network(orgs, status, members, periods, feds, d(2020, 1, 1))
    assert got.to_dict("list") == {"from": ["A"], "to": ["H1"]}


def test_every_fact_survives_registers_with_no_rows_or_one_empty_side():
    """An empty register's columns come as float; each fact is then missing or 0, never a crash
    (the graph of an inbox with no inspections, grades or projects still loads)."""
    from pipelines.graph.standing import (
        community_linkage,
        hub_coverage,
        membership_year_ends,
        outside_network,
        provider_concentration,
        provider_standing,
        street_density,
        street_funding,
    )

    d = dt.date
    empty = pd.DataFrame(
        {c: pd.Series(dtype=float) for c in ("uscc", "grade", "valid_from", "valid_to", "year", "result")}
    )
    projects = pd.DataFrame(
        {
            "project_id": ["P1"],
            "provider_uscc": ["A"],
            "award_date": [d(2020, 1, 1)],
            "start_date": [d(2020, 1, 1)],
            "end_date": [d(2021, 1, 1)],
            "contract_amount": [10.0],
            "served_communities": [["C1"]],
        }
    )
    orgs = pd.DataFrame({"uscc": ["A"], "registration_date": [d(2010, 1, 1)]})
    got = provider_standing(projects, orgs, empty, empty, empty)
    assert got.iloc[0].tolist() == [0, False, "missing"]
    none = provider_standing(projects.iloc[:0], orgs.iloc[:0], empty, empty, empty)
    assert none.empty
    assert (
        later_awards(
            pd.DataFrame({"project_id": ["P1"], "eval_date": [d(2019, 1, 1)]}), projects.iloc[:0], orgs["uscc"]
        )
        .isna()
        .all()
    )
    workers = pd.DataFrame(
        {
            "level": pd.Series(dtype=object),
            "certified_year": pd.Series(dtype=float),
            "served_communities": pd.Series(dtype=object),
        }
    )
    assert community_linkage(projects, orgs["uscc"], workers, d(2020, 6, 1)).loc["C1", "snapshot_projects"] == 1
    hubs = pd.DataFrame({"hub_id": ["H"], "valid_from": [None], "valid_to": [None]})
    assert hub_coverage(hubs, empty.assign(hub_id=pd.Series(dtype=float)), empty, empty, empty, d(2020, 1, 1)).empty
    members = empty.assign(hub_id=pd.Series(dtype=float))
    assert membership_year_ends(members, empty, hubs).empty
    orgs_streets = orgs.assign(street_code=["310106006"])
    periods = empty.assign(street_code=pd.Series(dtype=float), parent=pd.Series(dtype=float))
    feds = pd.DataFrame({"hub_id": ["H"], "district_code": ["310106"]})
    assert outside_network(orgs_streets, empty, members, periods, feds, d(2020, 1, 1)).empty
    assert provider_concentration(projects.assign(purchaser_uscc=["B"]), orgs["uscc"].iloc[:0]).empty
    no_committees = pd.DataFrame({"street_code": pd.Series(dtype=float), "population": pd.Series(dtype=float)})
    assert street_density(no_committees, orgs_streets, empty, d(2020, 1, 1))["snapshot_organisations"].tolist() == [1]
    delivered = pd.DataFrame({"from": pd.Series(dtype=object), "to": pd.Series(dtype=object)})
    assert street_funding(delivered, projects.iloc[:0], pd.DataFrame({"community_code": [], "street_code": []})).empty


def test_new_year_keeps_years_outside_the_nanosecond_range():
    # an award dated 1500 has a year before of 1499: nanoseconds would wrap it to 2083
    got = _new_year(pd.Series([1499.0, 2023.0, 2300.0, float("nan"), 0.0]))
    want = [dt.datetime(1499, 1, 1), dt.datetime(2023, 1, 1), dt.datetime(2300, 1, 1), None, None]
    assert [None if pd.isna(v) else v.to_pydatetime() for v in got] == want


def _street_funding_by_text(delivered: pd.DataFrame, projects: pd.DataFrame, communities: pd.DataFrame):
    """street_funding as pandas gives it grouping the text itself (the load's before 2026-12-06)."""
    share = projects["contract_amount"] / delivered.groupby(level=0).size().reindex(projects.index)
    street = communities.drop_duplicates("community_code").set_index("community_code")["street_code"]
    d = pd.DataFrame(
        {
            "street": delivered["to"].map(street).to_numpy(dtype=object),
            "project": delivered["from"].to_numpy(dtype=object),
            "share": share.reindex(delivered.index).to_numpy(),
        }
    ).dropna(subset=["street"])
    return pd.DataFrame(
        {
            "project_count": d.drop_duplicates(["street", "project"]).groupby("street").size(),
            "funding_yuan": d.groupby("street")["share"].sum().round(2),
        }
    )


@pytest.mark.parametrize("seed", range(5))
def test_street_funding_by_codes_agrees_with_grouping_the_text(seed):
    """Communities in no street or named twice, served communities unknown or missing, projects
    with no id or the same id twice, amounts missing: the totals by integer codes are pandas'
    totals by the text, streets in the same order."""
    from pipelines.graph.standing import street_funding

    rng = np.random.default_rng(seed)
    n = [300, 40, 1, 120, 0][seed]
    projects = pd.DataFrame(
        {
            "project_id": pd.Series(
                [None if rng.random() < 0.05 else f"P{rng.integers(0, max(n, 1)):04d}" for _ in range(n)], dtype="str"
            ),
            "contract_amount": [None if rng.random() < 0.1 else float(rng.integers(1, 10**6)) / 7 for _ in range(n)],
            "served_communities": [
                [f"C{rng.integers(0, 60):02d}" for _ in range(rng.integers(0, 4))]
                + ([None] if rng.random() < 0.05 else [])
                for _ in range(n)
            ],
        }
    )
    codes = [f"C{k:02d}" for k in range(50)] + ["C03", "C07"]  # C50-C59 unknown; two named twice
    communities = pd.DataFrame(
        {
            "community_code": pd.Series(codes, dtype="str"),
            "street_code": pd.Series(
                [None if rng.random() < 0.1 else f"S{rng.integers(0, 12):02d}" for _ in codes], dtype="str"
            ),
        }
    )
    delivered = projects[["project_id", "served_communities"]].explode("served_communities")
    delivered = delivered.rename(columns={"project_id": "from", "served_communities": "to"})
    delivered = delivered[delivered["to"].notna() | (rng.random(len(delivered)) < 0.5)]
    delivered = delivered.astype({"to": "str"})
    got = street_funding(delivered, projects, communities)
    want = _street_funding_by_text(delivered, projects, communities)
    assert list(got.index) == list(want.index)
    assert got["project_count"].tolist() == want["project_count"].tolist()
    assert got["funding_yuan"].tolist() == want["funding_yuan"].tolist()


def _concentration_by_text(projects: pd.DataFrame, providers: pd.Series) -> pd.DataFrame:
    """provider_concentration as pandas gives it grouping the text itself (the load's before 2026-12-06)."""
    from pipelines.graph.standing import CONCENTRATION_TOP

    awards = projects.dropna(subset=["purchaser_uscc", "provider_uscc"])
    awards = awards[awards["provider_uscc"].isin(set(providers.dropna()))]
    pairs = (
        pd.DataFrame(
            {
                "purchaser_uscc": awards["purchaser_uscc"].to_numpy(dtype=object),
                "provider_uscc": awards["provider_uscc"].to_numpy(dtype=object),
                "value": pd.to_numeric(awards["contract_amount"], errors="coerce").to_numpy(dtype=float),
            }
        )
        .groupby(["purchaser_uscc", "provider_uscc"], sort=False)["value"]
        .sum()
        .reset_index()
        .sort_values(["purchaser_uscc", "value"], ascending=[True, False])
    )
    by = pairs.groupby("purchaser_uscc", sort=True)["value"]
    top = pairs.groupby("purchaser_uscc").head(CONCENTRATION_TOP).groupby("purchaser_uscc")["value"].sum()
    return pd.DataFrame(
        {"provider_count": by.size().astype("int64"), "contract_yuan": by.sum(), "top_providers_yuan": top}
    )


@pytest.mark.parametrize("seed", range(5))
def test_provider_concentration_by_codes_agrees_with_grouping_the_text(seed):
    """Purchasers or providers missing, providers not registered, amounts missing or tied: the
    figures by integer codes are pandas' figures by the text, purchasers in the same order."""
    from pipelines.graph.standing import provider_concentration

    rng = np.random.default_rng(seed)
    n = [400, 50, 1, 200, 0][seed]

    def code(prefix: str, k: int, missing: float) -> str | None:
        return None if rng.random() < missing else f"{prefix}{rng.integers(0, k):03d}"

    projects = pd.DataFrame(
        {
            "purchaser_uscc": pd.Series([code("B", 15, 0.05) for _ in range(n)], dtype="str"),
            "provider_uscc": pd.Series([code("O", 40, 0.05) for _ in range(n)], dtype="str"),
            "contract_amount": [None if rng.random() < 0.1 else float(rng.integers(1, 6)) * 1000 / 3 for _ in range(n)],
        }
    )
    providers = pd.Series([f"O{k:03d}" for k in range(30)], dtype="str")  # O030-O039 not registered
    got = provider_concentration(projects, providers)
    want = _concentration_by_text(projects, providers)
    assert list(got.index) == list(want.index)
    for column in want.columns:
        assert got[column].tolist() == want[column].tolist(), column


@pytest.mark.parametrize("seed", range(8))
def test_provider_standing_agrees_with_the_rules_row_by_row(seed):
    """`provider_standing` (integer joins and look-ups) against its rules applied to each project
    in Python, on random registers: unknown and missing providers, missing days, periods with
    no start or no end, an inspection written twice for a year (the first counts), one of an
    unknown organisation, missing years."""
    from pipelines.graph.standing import FAILED, provider_standing

    rng = np.random.default_rng(seed)
    d = dt.date

    def day() -> dt.date | None:
        return None if rng.random() < 0.1 else d(int(rng.integers(2010, 2024)), int(rng.integers(1, 13)), 1)

    codes = [f"U{k:02d}" for k in range(12)]
    orgs = pd.DataFrame({"uscc": codes, "registration_date": [day() for _ in codes]})
    pick = [*codes, "NOPE", None]  # an unknown provider, a missing one
    projects = pd.DataFrame(
        {
            "project_id": [f"P{k}" for k in range(150)],
            "provider_uscc": pd.Series([pick[int(rng.integers(len(pick)))] for _ in range(150)], dtype="str"),
            "award_date": [day() for _ in range(150)],
        }
    )

    def periods(n: int, **extra) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "uscc": [codes[int(rng.integers(len(codes)))] for _ in range(n)],
                "valid_from": [day() for _ in range(n)],
                "valid_to": [day() for _ in range(n)],
                **{k: [v() for _ in range(n)] for k, v in extra.items()},
            }
        )

    grades = periods(40, grade=lambda: ORG_GRADES[int(rng.integers(len(ORG_GRADES)))])
    listings = periods(15, credit_list=lambda: "活动异常名录")
    inspections = pd.DataFrame(
        {
            "uscc": [[*codes, "GONE"][int(rng.integers(len(codes) + 1))] for _ in range(90)],
            "year": pd.array(
                [None if rng.random() < 0.05 else int(rng.integers(2009, 2024)) for _ in range(90)], "Int64"
            ),
            "result": [[FAILED, "合格", "基本合格"][int(rng.integers(3))] for _ in range(90)],
        }
    )
    got = provider_standing(projects, orgs, grades, listings, inspections)
    assert got.index.equals(projects.index)

    def holds(p: pd.Series, on: dt.date | None) -> bool:
        start, end = p["valid_from"], p["valid_to"]
        return on is not None and not pd.isna(start) and start <= on and (pd.isna(end) or end > on)

    registered = {u: None if pd.isna(r) else r for u, r in zip(orgs["uscc"], orgs["registration_date"], strict=True)}
    first_result: dict[tuple[str, int], str] = {}
    for _, row in inspections.iterrows():
        if pd.notna(row["year"]):
            first_result.setdefault((row["uscc"], int(row["year"])), row["result"])
    for k, p in projects.iterrows():
        who, on = p["provider_uscc"], None if pd.isna(p["award_date"]) else p["award_date"]
        fact = got.loc[k]
        if who not in registered:
            assert fact.isna().all(), (k, who)
            continue
        ranks = [ORG_GRADES.index(g["grade"]) + 1 for _, g in grades.iterrows() if g["uscc"] == who and holds(g, on)]
        assert fact["provider_grade_rank"] == max(ranks, default=0), k
        assert bool(fact["provider_on_credit_list"]) == any(
            c["uscc"] == who and holds(c, on) for _, c in listings.iterrows()
        ), k
        result = first_result.get((who, on.year - 1)) if on is not None else None
        since = registered[who]
        expect = (
            FAILED
            if result == FAILED
            else "missing"
            if on is not None and result is None and since is not None and since < d(on.year - 1, 1, 1)
            else None
        )
        assert (None if pd.isna(fact["provider_inspection"]) else fact["provider_inspection"]) == expect, k


@pytest.mark.parametrize("seed", range(8))
def test_community_linkage_by_codes_agrees_with_grouping_the_text(seed):
    """`community_linkage` (integer codes, distinct pairs) against pandas' own groupings of the
    text, as it was computed before: random projects and workers with missing ids and providers,
    a community named twice in one project, unknown providers, levels outside the three, missing
    certification years."""
    from data_contracts.enums import WORKER_LEVELS
    from pipelines.graph.standing import community_linkage

    rng = np.random.default_rng(seed)
    d = dt.date
    day = d(2024, 6, 30)
    coms = [f"C{k:02d}" for k in range(25)]
    orgs = [f"U{k}" for k in range(8)]

    def some(k: int) -> list[str | None]:
        return [None if rng.random() < 0.05 else coms[int(rng.integers(len(coms)))] for _ in range(k)]

    n = 120
    projects = pd.DataFrame(
        {
            "project_id": pd.Series(
                [None if rng.random() < 0.05 else f"P{int(rng.integers(90))}" for _ in range(n)], dtype="str"
            ),
            "provider_uscc": pd.Series([[*orgs, "NOPE", None][int(rng.integers(10))] for _ in range(n)], dtype="str"),
            "start_date": [d(int(rng.integers(2022, 2026)), 1, 1) for _ in range(n)],
            "end_date": [d(int(rng.integers(2023, 2027)), 1, 1) for _ in range(n)],
            "served_communities": [some(int(rng.integers(0, 4))) for _ in range(n)],
        }
    )
    levels = [*WORKER_LEVELS, "见习"]
    workers = pd.DataFrame(
        {
            "level": [levels[int(rng.integers(len(levels)))] for _ in range(80)],
            "certified_year": pd.array(
                [None if rng.random() < 0.1 else int(rng.integers(2018, 2027)) for _ in range(80)], "Int64"
            ),
            "served_communities": [some(int(rng.integers(0, 3))) for _ in range(80)],
        }
    )
    got = community_linkage(projects, pd.Series(orgs, dtype="str"), workers, day)

    running = projects[
        projects["provider_uscc"].isin(orgs)
        & (pd.to_datetime(projects["start_date"]) <= pd.Timestamp(day))
        & (pd.to_datetime(projects["end_date"]) >= pd.Timestamp(day))
    ]
    served = running.explode("served_communities").dropna(subset=["served_communities"])
    by = served.groupby("served_communities")
    expect = pd.DataFrame(
        {"snapshot_organisations": by["provider_uscc"].nunique(), "snapshot_projects": by["project_id"].nunique()}
    )
    certified = workers[workers["certified_year"].le(day.year).fillna(False).to_numpy(dtype=bool)]
    serving = certified.explode("served_communities").dropna()
    counts = serving.groupby(["served_communities", "level"]).size().unstack("level")
    for level, name in WORKER_LEVELS.items():
        expect = expect.join(
            (counts[level] if level in counts else pd.Series(dtype="int64")).rename(f"snapshot_{name}_workers"),
            how="outer",
        )
    expect = expect.fillna(0).astype("int64")
    expect = expect[(expect != 0).any(axis=1)]  # a community only workers of another level serve: absent (0)
    assert len(got) > 0
    pd.testing.assert_frame_equal(got.sort_index(), expect.sort_index(), check_names=False, check_index_type=False)
