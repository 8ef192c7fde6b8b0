"""Facts computed at load time from the registers' histories, so that the catalogue's national
answers read one property instead of walking every provider's grades, credit listings,
inspections and later contracts for each of 1.5 million awards (issue #17: aggregates the
catalogue needs may be computed at load time, each with an oracle test against the detailed
data: tests/test_graph_standing.py compares them with the graph's own relationships).

Every rule mirrors the Cypher it replaces, NULL semantics included: a comparison with a missing
day is false, so an award with no date holds no valid grade and is on no list, and an
evaluation with no date has no later awards.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data_contracts.enums import ORG_GRADES, WORKER_LEVELS
from data_contracts.lists import exploded

from ..common.ordering import first_per
from ..common.references import as_text, is_in, positions, positions_each

#: the inspection result that fails (the register's 年检结论)
FAILED = "不合格"


def _days(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce")


def _new_year(years: pd.Series) -> pd.Series:
    """1 January of each year from 1 to 9999 (NaT otherwise), by numpy: pandas parses text dates
    in Python. In seconds, not nanoseconds, whose range (1678-2261) would wrap an old award's year."""
    y = years.to_numpy(dtype="float64", na_value=np.nan)
    out = np.full(len(y), np.datetime64("NaT"), dtype="datetime64[s]")
    ok = (y >= 1) & (y <= 9999)  # False where NaN
    out[ok] = (y[ok].astype(np.int64) - 1970).astype("datetime64[Y]").astype("datetime64[s]")
    return pd.Series(out, index=years.index)


# pandas 3's map on Arrow-backed text walks the values in Python; pyarrow's hash look-up does
# not (membership: pipelines.common.references.is_in, the contracts' own look-up).
def _is_in(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """Whether each value is one of `keys` (a missing value is not), as a bool array."""
    return is_in(values, keys.dropna().astype(str)).to_numpy(dtype=bool)


def _at(pos: np.ndarray, mapped: pd.Series, index: pd.Index) -> pd.Series:
    """`mapped` at each of `pos` (from `positions`, -1 = none: missing), with `index`: one
    look-up serves every column of the same keys."""
    if not len(mapped):  # nothing to find (an empty register): every value is missing
        return pd.Series(None, index=index, dtype=object)
    out = mapped.iloc[np.maximum(pos, 0)].reset_index(drop=True)
    out[pos < 0] = None
    out.index = index
    return out


def _held_on(awards: pd.DataFrame, periods: pd.DataFrame, at: np.ndarray) -> pd.DataFrame:
    """Pairs of (award row, period row) of the same organisation where the period held on the
    award day: valid_from <= day < valid_to (no valid_to = still holds; no valid_from = never
    known to hold, as in the Cypher `g.valid_from <= day`). `awards` names its organisation by
    position (`_org`), `at` is each period's organisation by the same positions (-1: none), so
    the join is on integers: on the text codes pandas factorized both sides per join."""
    p = periods.assign(_org=at, _from=_days(periods["valid_from"]), _to=_days(periods["valid_to"]))[at >= 0]
    pairs = awards.merge(p.drop(columns=["uscc", "valid_from", "valid_to"]), on="_org", how="inner")
    held = (pairs["_from"] <= pairs["_day"]) & (pairs["_to"].isna() | (pairs["_to"] > pairs["_day"]))
    return pairs[held]


#: years are below this: an inspection's (organisation, year) is one integer, organisation * it + year
_YEARS = 10_000


def _inspected(at: np.ndarray, years: pd.Series) -> np.ndarray:
    """Each (organisation position, year) as one int64, -1 where either is missing or the year
    is not one of 1-9999 (no such key is ever found)."""
    y = pd.to_numeric(years, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    ok = (at >= 0) & (y >= 1) & (y < _YEARS) & (np.floor(y) == y)  # False where NaN
    out = np.full(len(at), -1, dtype=np.int64)
    out[ok] = at[ok].astype(np.int64) * _YEARS + y[ok].astype(np.int64)
    return out


def provider_standing(
    projects: pd.DataFrame,
    organisations: pd.DataFrame,
    grades: pd.DataFrame,
    credit_lists: pd.DataFrame,
    inspections: pd.DataFrame,
) -> pd.DataFrame:
    """The provider's standing on each project's award day, one row per row of `projects`
    (same index), for the award-eligibility question:

    - `provider_grade_rank` (Int64): rank (1A = 1 … 5A = 5, data_contracts.enums.ORG_GRADES) of
      the best evaluation grade (评估等级) the provider held that day, 0 for none;
    - `provider_on_credit_list` (boolean): on a credit list (活动异常名录, 严重违法失信名单) that day;
    - `provider_inspection` (string): "不合格" when the annual inspection (年检) of the year
      before the award failed, "missing" when there was none and the organisation was
      registered before that year began, else missing (no problem).

    All three are missing where the project names no provider that is a registered
    organisation (the graph has no AWARDED_TO edge there). Inputs are the resolved `projects`
    (project_id, provider_uscc, award_date), `organisations` (uscc, registration_date), the
    grade and credit-list histories (uscc, grade / credit_list, valid_from, valid_to) and
    `inspections` (uscc, year, result). Every code is looked up once, as the position of its
    organisation (pyarrow's hash look-up, the four inputs' codes in one: `positions_each`, 0.4 s
    at national scale against 1.0 s looked up in turn); the joins and the inspection look-up are on those
    integers (national projects: 4.4 s with text keys "uscc|year" and text joins, measured
    beside a CI run)."""
    orgs = first_per(organisations, "uscc")
    graded = grades[["uscc", "grade", "valid_from", "valid_to"]]
    listings = credit_lists[["uscc", "valid_from", "valid_to"]]
    provider, graded_at, listed_at, inspected_at = positions_each(
        [projects["provider_uscc"], graded["uscc"], listings["uscc"], inspections["uscc"]], orgs["uscc"]
    )
    known = provider >= 0
    awards = pd.DataFrame(
        {
            "_row": np.arange(len(projects))[known],
            "_org": provider[known],
            "_day": _days(projects["award_date"]).to_numpy()[known],
        }
    )
    rank = {g: i + 1 for i, g in enumerate(ORG_GRADES)}
    held = _held_on(awards, graded, graded_at)
    best = held.assign(_rank=held["grade"].map(rank)).groupby("_row")["_rank"].max()
    listed = _held_on(awards, listings, listed_at)["_row"].unique()

    year_before = awards["_day"].dt.year - 1
    # the first inspection of each (organisation, year), as drop_duplicates(["uscc", "year"]) keeps
    keys = pd.Index(_inspected(inspected_at, inspections["year"]))
    first = ~keys.duplicated(keep="first") & (keys >= 0)
    at = pd.Index(keys[first]).get_indexer(_inspected(awards["_org"].to_numpy(), year_before))
    results = inspections["result"].to_numpy(dtype=object, na_value=None)[first]
    found = pd.Series(np.where(at >= 0, results[np.maximum(at, 0)] if len(results) else None, None), index=awards.index)
    has_year = year_before.notna()
    registered = pd.Series(_days(orgs["registration_date"]).to_numpy()[awards["_org"].to_numpy()], index=awards.index)
    year_start = _new_year(year_before)
    missing = has_year & found.isna() & (registered < year_start)
    # no problem is missing, not "": a CSV import (neo4j-admin) cannot tell "" from missing
    failed = found.eq(FAILED).fillna(False).to_numpy(dtype=bool)
    problem = pd.Series(None, index=awards.index, dtype=object)
    problem[failed] = FAILED
    problem[missing.to_numpy(dtype=bool)] = "missing"

    # each column made whole, then wrapped once: set by position into pandas' Arrow text, the
    # problems took 0.3 s at national scale
    rows = awards["_row"].to_numpy()
    ranks = np.zeros(len(projects), dtype=np.int64)
    ranks[rows] = best.reindex(rows).fillna(0).astype("int64").to_numpy()
    on_list = np.zeros(len(projects), dtype=bool)
    on_list[rows] = np.isin(rows, listed)
    problems = np.full(len(projects), None, dtype=object)
    problems[rows] = problem.to_numpy()
    return pd.DataFrame(
        {
            "provider_grade_rank": pd.arrays.IntegerArray(ranks, ~known),
            "provider_on_credit_list": pd.arrays.BooleanArray(on_list, ~known),
            "provider_inspection": pd.array(problems, dtype="string"),
        },
        index=projects.index,
    )


def later_awards(evaluations: pd.DataFrame, projects: pd.DataFrame, providers: pd.Series) -> pd.Series:
    """For each evaluation (same index as `evaluations`: project_id, eval_date), how many
    contracts the evaluated project's provider was awarded after the evaluation day, the
    evaluated project itself not counted: the rows of "poorly evaluated, still funded" one
    evaluation gives. Missing (Int64 NA) where the project is unknown or has no provider in
    `providers` (the registered organisations' USCCs). Of projects (project_id, provider_uscc,
    award_date) sharing an id, the first whose provider is registered counts; a project with no
    id counts for nothing (the graph has no Project node without its key: before 406e323 such
    a row counted as a later award). Days are compared as days. Counts by binary search over
    each provider's sorted award days, so no evaluation is paired with every contract.

    The project ids of both registers are hashed once, together (`_first_rows`): at national
    scale (1.5M projects, 1M evaluations) a look-up of the evaluations' ids among the projects'
    and the projects' own de-duplication hashed the 1.5M ids twice, 1.6 s of this function
    against 1.1 s this way (one process; tests/test_graph_standing.py checks it against pairing
    every evaluation with every project)."""
    provider = pc.dictionary_encode(as_text(projects["provider_uscc"]))
    code = _filled(provider.indices)  # each project's provider, as its place among them; -1: none
    registered = np.zeros(len(provider.dictionary) + 1, bool)  # the last place (-1): no provider
    # the registered USCCs looked up among the projects' providers, the fewer (376k of 890k)
    found_at = pc.index_in(as_text(providers.dropna()), value_set=provider.dictionary).drop_null()
    registered[found_at.to_numpy(zero_copy_only=False)] = True
    candidates = np.flatnonzero(registered[code])
    kept, evaluated = _first_rows(projects["project_id"], candidates, evaluations["project_id"])
    day, dated = _day_numbers(projects["award_date"])
    kept = kept[dated[kept]]
    low = int(day[kept].min()) if len(kept) else 0
    span = (int(day[kept].max()) - low + 2) if len(kept) else 2  # offsets 0..span-2; span-1 is "after all"
    keys = np.sort(code[kept] * span + (day[kept] - low))

    found = evaluated >= 0
    # a last place past the projects (none, with no provider and no day) for what is not found
    at = np.where(found, evaluated, len(code))
    code, day, dated = np.append(code, -1), np.append(day, 0), np.append(dated, False)
    whose = code[at]
    eday, edated = _day_numbers(evaluations["eval_date"])
    off = np.clip(np.where(edated, eday, low) - low, -1, span - 1)
    start = np.searchsorted(keys, whose * span + off, side="right")
    end = np.searchsorted(keys, (whose + 1) * span, side="left")
    count = np.where(found & edated, end - start, 0)
    # the evaluated project is not "later"; a comparison with a missing day is false
    count = count - (found & edated & dated[at] & (day[at] > eday)).astype(np.int64)
    out = pd.Series(pd.array(count, dtype="Int64"), index=evaluations.index)
    out[~found] = pd.NA
    return out


def _first_rows(ids: pd.Series, candidates: np.ndarray, wanted: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Of the rows `candidates` (positions in `ids`, ascending), the first of each id (positions,
    ascending), and per value of `wanted` the first candidate row with its id (-1: none; a
    missing value or id matches nothing). One hash pass over both columns: dictionary codes
    follow first appearance, so the candidates' ids take the codes below k, their count."""
    mine = as_text(ids).take(pa.array(candidates, pa.int64()))
    codes = _filled(pc.dictionary_encode(pa.concat_arrays([mine, as_text(wanted)])).indices)
    own, theirs = codes[: len(candidates)], codes[len(candidates) :]
    k = int(own.max()) + 1 if len(own) else 0
    first = np.full(k + 1, -1, np.int64)  # the last place: not found
    named = own >= 0
    codes_named, rows_named = own[named], candidates[named]
    # a code's first row is where it exceeds every code before it (a new code is the next one)
    before = np.maximum.accumulate(np.concatenate(([-1], codes_named)))[:-1]
    new_code = codes_named > before
    first[codes_named[new_code]] = rows_named[new_code]
    evaluated = first[np.where((theirs >= 0) & (theirs < k), theirs, k)]
    # ascending already: a later code first appears in a later candidate row
    return first[:k], evaluated


def _filled(indices: pa.Array) -> np.ndarray:
    """Arrow positions as int64, -1 where null."""
    return indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _day_numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Days since 1970-01-01 (int64) and whether there is a day (`_days`' rule)."""
    days = _days(values).to_numpy().astype("datetime64[D]")
    return days.astype(np.int64), ~np.isnat(days)


def street_funding(delivered: pd.DataFrame, projects: pd.DataFrame, communities: pd.DataFrame) -> pd.DataFrame:
    """Per street (index: its 12-digit code), over all years and catalogue categories, what
    funding-by-street answers at national level with its default parameters:

    - `project_count` (int): projects delivered in at least one of its communities;
    - `funding_yuan` (float, yuan, rounded to fen): the sum of those projects' contract values,
      a project serving n communities giving each community 1/n (catalogue.yaml's rule).

    `delivered` is the DELIVERED_IN table (from: project_id, to: community code) indexed like
    the `projects` rows it was exploded from; `communities` maps community_code to street_code.
    Streets without a project are absent.

    Grouped by integer codes, not by the text: each street's code in the sorted street codes,
    each project's in its ids. pandas' groupings and de-duplications on Arrow text factorize
    every column first, the national 2.4 million DELIVERED_IN rows for each (1.9 s; measured
    once). The sums are pandas' own, in the rows' order, as before."""
    share = projects["contract_amount"] / delivered.groupby(level=0).size().reindex(projects.index)
    # each community's street, as its street code's rank (-1: no street, or no such community)
    street_of, streets = pd.factorize(communities["street_code"], sort=True)
    at = positions(delivered["to"], communities["community_code"])
    street = np.where(at >= 0, street_of[np.maximum(at, 0)], -1) if len(street_of) else np.full(len(at), -1)
    # each row's project id as a code, a missing id one value of its own (as drop_duplicates has it)
    project = pd.factorize(delivered["from"], use_na_sentinel=False)[0]
    kept = street >= 0
    street, project = street[kept], project[kept]
    d = pd.DataFrame({"street": street, "share": share.reindex(delivered.index).to_numpy()[kept]})
    counts = _distinct_per(street, project, len(streets))
    funding = d.groupby("street")["share"].sum().round(2)
    return pd.DataFrame(
        {"project_count": counts[funding.index.to_numpy()], "funding_yuan": funding.to_numpy()},
        index=_coded(streets, funding.index, "street"),
    )


def _distinct_per(groups: np.ndarray, others: np.ndarray, n: int) -> np.ndarray:
    """Per group code 0..n-1, how many distinct codes of `others` (same length; a negative one,
    a missing value, not counted) its rows hold. Each (group, other) pair is one int64, made
    distinct by pandas' hash table (numpy 2's `unique` took 1.9 s for the national 2.4 million
    pairs of the streets' funding)."""
    keep = others >= 0
    width = int(others.max(initial=-1)) + 1
    if not width:
        return np.zeros(n, dtype=np.int64)
    pairs = pd.unique(groups[keep].astype(np.int64) * width + others[keep].astype(np.int64))
    return np.bincount(pairs // width, minlength=n)


def _coded(uniques: pd.Index, codes: pd.Index, name: str) -> pd.Index:
    """An index grouped by integer codes (`pd.factorize`'s) named again by `uniques`, as the
    grouping of the text itself would name it: text as pandas infers it from Python strings."""
    return pd.Index(np.asarray(uniques.take(codes.to_numpy()), dtype=object), name=name)


def community_linkage(
    projects: pd.DataFrame, providers: pd.Series, workers: pd.DataFrame, day: dt.date
) -> pd.DataFrame:
    """Per community (index: its 12-digit code) on the snapshot day `day`, what
    community-linkage answers with its default parameters (the three-way linkage, 三社联动):

    - `snapshot_organisations`, `snapshot_projects` (int): distinct providers and projects of the
      contracts running that day (start_date <= day <= end_date) delivered there, a project
      counting only with a provider among `providers` (registered organisations' USCCs);
    - `snapshot_<level>_workers` (int), level as data_contracts.enums.WORKER_LEVELS names it:
      social workers of that level serving the community (one per SERVES edge) certified by
      `day`'s year.

    Communities with none of these are absent (the caller fills 0). Counted on integer codes
    (the communities, providers and projects each factorized once; a distinct pair is one int64):
    pandas' groupings, distinct counts and outer joins on Arrow text factorized each column again
    per grouping (national registers: 2.3 s, measured once)."""
    day64 = pd.Timestamp(day)
    running = projects[
        _is_in(projects["provider_uscc"], providers)
        & (_days(projects["start_date"]) <= day64).to_numpy()
        & (_days(projects["end_date"]) >= day64).to_numpy()
    ]
    served = exploded(running[["project_id", "provider_uscc", "served_communities"]], "served_communities")
    # a missing year certifies nothing (fillna: a nullable Int64 column compares to NA)
    certified = workers[
        pd.to_numeric(workers["certified_year"], errors="coerce").le(day.year).fillna(False).to_numpy(dtype=bool)
    ]
    serving = exploded(certified[["level", "served_communities"]], "served_communities").dropna()
    serving = serving[serving["level"].isin(list(WORKER_LEVELS)).to_numpy(dtype=bool)]
    # one code per community named by either side, in order of first appearance; by pyarrow's
    # hash (pandas factorized the Python strings: 0.52 s of the national 2.4 million)
    named = pa.concat_arrays(
        [as_text(served["served_communities"]), as_text(serving["served_communities"])]
    ).dictionary_encode()
    codes, communities = named.indices.to_numpy(zero_copy_only=False), named.dictionary.to_pylist()
    by_project, by_worker = codes[: len(served)].astype(np.int64), codes[len(served) :].astype(np.int64)
    n = len(communities)

    # distinct providers and projects per community; pd.factorize gives a missing one -1, which
    # is not counted (as nunique)
    counts = {
        "snapshot_organisations": _distinct_per(by_project, pd.factorize(served["provider_uscc"])[0], n),
        "snapshot_projects": _distinct_per(by_project, pd.factorize(served["project_id"])[0], n),
    }
    levels = serving["level"].to_numpy(dtype=object)
    for level, name in WORKER_LEVELS.items():
        counts[f"snapshot_{name}_workers"] = np.bincount(by_worker[levels == level], minlength=n)
    return pd.DataFrame(counts, index=pd.Index(communities, dtype="str")).astype("int64")


def _holds(frame: pd.DataFrame, day: pd.Timestamp) -> np.ndarray:
    """Rows whose [valid_from, valid_to) holds on `day`, a missing end being open (the hub
    network's rule: `(v.valid_from IS NULL OR v.valid_from <= day) AND (v.valid_to IS NULL OR
    v.valid_to > day)`)."""
    since, until = _days(frame["valid_from"]), _days(frame["valid_to"])
    return ((since.isna() | (since <= day)) & (until.isna() | (until > day))).to_numpy()


def hub_coverage(
    hubs: pd.DataFrame,
    memberships: pd.DataFrame,
    status: pd.DataFrame,
    branches: pd.DataFrame,
    liaisons: pd.DataFrame,
    day: dt.date,
) -> pd.DataFrame:
    """Per hub (index: hub_id) on the snapshot day `day`, what hub-coverage answers with its
    default parameters (party-building coverage of the "1+14+x" network):

    - `snapshot_members` (int): memberships holding that day of organisations active that day;
    - `snapshot_with_party_branch`, `snapshot_with_liaison_only`, `snapshot_with_neither` (int):
      of those, the ones whose organisation had its own party branch that day, had none but an
      assigned liaison, or had neither.

    Inputs are the hubs (hub_id, valid_from, valid_to: a hub that does not exist that day
    counts nobody) and the histories as the graph holds them: memberships (uscc, hub_id), the
    organisations' active periods (uscc), party branches (uscc) and liaisons (uscc), each with
    valid_from / valid_to. Hubs without a member that day are absent (the caller fills 0)."""
    at = pd.Timestamp(day)
    held = memberships[_holds(memberships, at)].dropna(subset=["uscc", "hub_id"])
    held = held[_is_in(held["hub_id"], hubs[_holds(hubs, at)]["hub_id"])]
    active = status[_holds(status, at)]["uscc"]
    held = held[_is_in(held["uscc"], active)]
    branch = _is_in(held["uscc"], branches[_holds(branches, at)]["uscc"])
    liaison = _is_in(held["uscc"], liaisons[_holds(liaisons, at)]["uscc"])
    counted = pd.DataFrame(
        {
            "hub_id": held["hub_id"].to_numpy(),
            "snapshot_members": 1,
            "snapshot_with_party_branch": branch.astype("int64"),
            "snapshot_with_liaison_only": (~branch & liaison).astype("int64"),
            "snapshot_with_neither": (~branch & ~liaison).astype("int64"),
        }
    )
    return counted.groupby("hub_id").sum()


def _years(values: pd.Series) -> pd.Series:
    return _days(values).dt.year.astype("Int64")


def membership_year_ends(memberships: pd.DataFrame, status: pd.DataFrame, hubs: pd.DataFrame) -> pd.DataFrame:
    """For each membership (same index as `memberships`), the years whose 31 December it counts
    on in hub-network-history: the membership, its organisation's active period and its hub's
    existence all hold that day (`v.valid_from <= day < v.valid_to`, a missing end open).

    Returns `year_end_first` and `year_end_last` (Int64): the first and last such year, no value
    where the intervals set no bound that side (then every year before, or after, counts). A
    membership that holds on no 31 December has first > last. `day`'s year is y exactly when
    year(valid_from) <= y <= year(valid_to) - 1, so the bounds are the latest start year and the
    earliest end year less one.

    Inputs: memberships (uscc, hub_id, valid_from, valid_to); the organisations' active periods
    as the graph holds them, one row per uscc (uscc, valid_from, valid_to; an organisation with
    none has an open period); hubs (hub_id, valid_from, valid_to)."""
    status = first_per(status, "uscc")
    hubs = first_per(hubs, "hub_id")

    org_at, hub_at = positions(memberships["uscc"], status["uscc"]), positions(memberships["hub_id"], hubs["hub_id"])

    def years(side: str) -> pd.DataFrame:
        """The `side` (valid_from or valid_to) year of the membership, its organisation, its hub."""
        return pd.DataFrame(
            {
                "m": _years(memberships[side]),
                "o": _at(org_at, _years(status[side]), memberships.index),
                "h": _at(hub_at, _years(hubs[side]), memberships.index),
            },
            index=memberships.index,
        ).astype("Int64")

    starts, ends = years("valid_from"), years("valid_to")
    return pd.DataFrame(
        {"year_end_first": starts.max(axis=1, skipna=True), "year_end_last": ends.min(axis=1, skipna=True) - 1},
        index=memberships.index,
    ).astype("Int64")


def _active_on(uscc: pd.Series, status: pd.DataFrame, at: pd.Timestamp) -> np.ndarray:
    """Whether each organisation's active period, as its node holds it (the first `status` row
    of its code; none = open), holds on `at`, as a bool array."""
    status = first_per(status, "uscc")
    at_ = positions(uscc, status["uscc"])
    since = pd.to_datetime(_at(at_, _days(status["valid_from"]), uscc.index))
    until = pd.to_datetime(_at(at_, _days(status["valid_to"]), uscc.index))
    return ((since.isna() | (since <= at)) & (until.isna() | (until > at))).to_numpy(dtype=bool)


def outside_network(
    organisations: pd.DataFrame,
    status: pd.DataFrame,
    memberships: pd.DataFrame,
    street_districts: pd.DataFrame,
    federations: pd.DataFrame,
    day: dt.date,
) -> pd.DataFrame:
    """The rows of unattached-organisations with its default parameters, as relationships
    (uscc -> federation hub_id): organisations active on the snapshot day `day`, in no hub that
    day, whose street belonged that day to a district with a hub federation; one row per
    organisation, as the query finds each street once (`WITH DISTINCT s`), to the first such
    federation by hub_id where a district has two or a street two periods holding that day.

    Inputs as the graph holds them: organisations (uscc, street_code), their active periods
    (uscc, valid_from, valid_to; one per uscc, none = open), memberships (uscc, valid_from,
    valid_to; only the membership's own interval counts, as in the query), the streets'
    district periods (street_code, parent, valid_from, valid_to) and the federations (hub_id,
    district_code). Returns columns `from` (uscc) and `to` (hub_id)."""
    at = pd.Timestamp(day)
    orgs = organisations[_active_on(organisations["uscc"], status, at)].dropna(subset=["uscc", "street_code"])
    orgs = orgs[~_is_in(orgs["uscc"], memberships[_holds(memberships, at)]["uscc"])]
    # pandas pairs a missing key with a missing key; the graph has no such edges
    periods = street_districts[_holds(street_districts, at)].dropna(subset=["street_code", "parent"])
    federations = federations.dropna(subset=["hub_id", "district_code"])
    paths = (
        orgs[["uscc", "street_code"]]
        .astype({"uscc": "string", "street_code": "string"})
        .merge(periods[["street_code", "parent"]].astype("string"), on="street_code")
        .merge(federations[["hub_id", "district_code"]].astype("string"), left_on="parent", right_on="district_code")
    )
    paths = paths.sort_values(["uscc", "hub_id"], kind="stable").drop_duplicates("uscc")
    return pd.DataFrame({"from": paths["uscc"].to_numpy(), "to": paths["hub_id"].to_numpy()})


#: how many largest providers `provider_concentration` sums: provider-concentration's default
#: `top` (sanshe/queries/catalogue.yaml; tests/test_graph_standing.py holds the two equal)
CONCENTRATION_TOP = 3


def provider_concentration(projects: pd.DataFrame, providers: pd.Series) -> pd.DataFrame:
    """Per purchaser (index: purchaser_uscc), what provider-concentration answers with its
    default parameters (all years): `provider_count` (int), the distinct providers it awarded a
    project to; `contract_yuan` (float, yuan), those projects' contract value; and
    `top_providers_yuan` (float, yuan), the value held by its CONCENTRATION_TOP largest providers.

    Inputs: projects (purchaser_uscc, provider_uscc, contract_amount) and the registered
    organisations' codes (`providers`; an award to another code has no AWARDED_TO edge). A
    missing amount adds nothing, as Cypher's sum. Purchasers with no such award are absent.

    Grouped by integer codes (a purchaser's: its rank among the codes), not by the text, as
    street_funding is: the same groups, in the same order, summed in the same order (1.35 s of
    the national build grouping the text; measured once)."""
    awards = projects.dropna(subset=["purchaser_uscc", "provider_uscc"])
    awards = awards[_is_in(awards["provider_uscc"], providers)]
    purchaser, purchasers = pd.factorize(awards["purchaser_uscc"].astype("string"), sort=True)
    pairs = (
        pd.DataFrame(
            {
                "purchaser": purchaser,
                "provider": pd.factorize(awards["provider_uscc"].astype("string"))[0],
                "value": pd.to_numeric(awards["contract_amount"], errors="coerce").to_numpy(dtype=float),
            }
        )
        .groupby(["purchaser", "provider"], sort=False)["value"]
        .sum()
        .reset_index()
        .sort_values(["purchaser", "value"], ascending=[True, False])
    )
    by = pairs.groupby("purchaser", sort=True)["value"]
    out = pd.DataFrame(
        {
            "provider_count": by.size().astype("int64"),
            "contract_yuan": by.sum(),
            "top_providers_yuan": pairs.groupby("purchaser")
            .head(CONCENTRATION_TOP)
            .groupby("purchaser")["value"]
            .sum(),
        }
    )
    return out.set_axis(_coded(purchasers, out.index, "purchaser_uscc"))


def street_density(
    communities: pd.DataFrame, organisations: pd.DataFrame, status: pd.DataFrame, day: dt.date | None
) -> pd.DataFrame:
    """Per street (index: its 12-digit code), what organisation-density reads with its default
    parameters: `population` (Int64), its committees' latest population summed (no value when
    none has one, as Cypher's sum of missing values); and `snapshot_organisations` (int), the
    organisations residing in it (by registered address) whose active period holds on the
    snapshot day `day` (0 without a day).

    Inputs: communities (street_code, population; one row per committee), organisations (uscc,
    street_code) and their active periods as the graph holds them (uscc, valid_from, valid_to;
    one per uscc, none = open). Streets with neither are absent."""
    com = communities.dropna(subset=["street_code"])
    population = com.groupby(com["street_code"].astype("string"))["population"].sum(min_count=1)
    out = pd.DataFrame({"population": population.astype("Float64").round().astype("Int64")})
    if day is None:
        return out.assign(snapshot_organisations=0)
    orgs = organisations.dropna(subset=["uscc", "street_code"])
    orgs = orgs[_active_on(orgs["uscc"], status, pd.Timestamp(day))]
    counted = orgs.groupby(orgs["street_code"].astype("string")).size()
    out = out.join(counted.rename("snapshot_organisations"), how="outer")
    return out.assign(snapshot_organisations=out["snapshot_organisations"].fillna(0).astype("int64"))
