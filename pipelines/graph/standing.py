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

import numpy as np
import pandas as pd

from data_contracts.enums import ORG_GRADES

#: the inspection result that fails (the register's 年检结论)
FAILED = "不合格"


def _days(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce")


def _among(values: pd.Series, known: pd.Series) -> np.ndarray:
    """`values.isin(known)`, by a hash lookup: pandas 3's isin walks Arrow-backed text in Python
    (0.3 s for the 38,000 organisations of the province benchmark, most of `later_awards`)."""
    return pd.Index(known.unique()).get_indexer(values) >= 0


def _held_on(awards: pd.DataFrame, periods: pd.DataFrame) -> pd.DataFrame:
    """Pairs of (award row, period row) of the same organisation where the period held on the
    award day: valid_from <= day < valid_to (no valid_to = still holds; no valid_from = never
    known to hold, as in the Cypher `g.valid_from <= day`)."""
    p = periods.assign(_from=_days(periods["valid_from"]), _to=_days(periods["valid_to"]))
    pairs = awards.merge(p, left_on="provider_uscc", right_on="uscc", how="inner")
    held = (pairs["_from"] <= pairs["_day"]) & (pairs["_to"].isna() | (pairs["_to"] > pairs["_day"]))
    return pairs[held]


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
      registered before that year began, else "".

    All three are missing where the project names no provider that is a registered
    organisation (the graph has no AWARDED_TO edge there). Inputs are the resolved `projects`
    (project_id, provider_uscc, award_date), `organisations` (uscc, registration_date), the
    grade and credit-list histories (uscc, grade / credit_list, valid_from, valid_to) and
    `inspections` (uscc, year, result)."""
    known = _among(projects["provider_uscc"], organisations["uscc"])
    awards = pd.DataFrame(
        {
            "_row": np.arange(len(projects)),
            "provider_uscc": projects["provider_uscc"],
            "_day": _days(projects["award_date"]),
        }
    )[known]
    rank = {g: i + 1 for i, g in enumerate(ORG_GRADES)}
    held = _held_on(awards, grades[["uscc", "grade", "valid_from", "valid_to"]])
    best = held.assign(_rank=held["grade"].map(rank)).groupby("_row")["_rank"].max()
    listed = _held_on(awards, credit_lists[["uscc", "valid_from", "valid_to"]])["_row"].unique()

    year_before = awards["_day"].dt.year - 1
    result = inspections.drop_duplicates(["uscc", "year"]).set_index(["uscc", "year"])["result"]
    found = pd.Series(
        result.reindex(pd.MultiIndex.from_arrays([awards["provider_uscc"], year_before.astype("Int64")])).to_numpy(),
        index=awards.index,
    )
    has_year = year_before.notna()
    registered = _days(
        awards["provider_uscc"].map(organisations.drop_duplicates("uscc").set_index("uscc")["registration_date"])
    )
    year_start = pd.to_datetime(year_before.astype("Int64").astype("string") + "-01-01", errors="coerce")
    missing = has_year & found.isna() & (registered < year_start)
    problem = np.where(missing, "missing", np.where(found.eq(FAILED).fillna(False), FAILED, ""))

    rows = awards["_row"].to_numpy()
    out = pd.DataFrame(
        {
            "provider_grade_rank": pd.array([pd.NA] * len(projects), dtype="Int64"),
            "provider_on_credit_list": pd.array([pd.NA] * len(projects), dtype="boolean"),
            "provider_inspection": pd.array([pd.NA] * len(projects), dtype="string"),
        },
        index=projects.index,
    )
    out.iloc[rows, 0] = best.reindex(rows).fillna(0).astype("int64").to_numpy()
    out.iloc[rows, 1] = np.isin(rows, listed)
    out.iloc[rows, 2] = problem
    return out


def later_awards(evaluations: pd.DataFrame, projects: pd.DataFrame, providers: pd.Series) -> pd.Series:
    """For each evaluation (same index as `evaluations`: project_id, eval_date), how many
    contracts the evaluated project's provider was awarded after the evaluation day, the
    evaluated project itself not counted: the rows of "poorly evaluated, still funded" one
    evaluation gives. Missing (Int64 NA) where the project is unknown or has no provider in
    `providers` (the registered organisations' USCCs). Counts by binary search over each
    provider's sorted award days, so no evaluation is paired with every contract."""
    prj = projects[_among(projects["provider_uscc"], providers)].drop_duplicates("project_id")
    day = _days(prj["award_date"])
    dated = prj.assign(_day=day)[day.notna()]
    codes, uniques = pd.factorize(dated["provider_uscc"])
    ns = dated["_day"].to_numpy().astype("datetime64[D]").astype(np.int64)
    low = int(ns.min()) if len(ns) else 0
    span = (int(ns.max()) - low + 2) if len(ns) else 2  # offsets 0..span-2; span-1 is "after all"
    keys = np.sort(codes.astype(np.int64) * span + (ns - low))

    by_project = prj.set_index("project_id")
    provider = evaluations["project_id"].map(by_project["provider_uscc"])
    code = pd.Index(uniques).get_indexer(provider.fillna(""))
    eday = _days(evaluations["eval_date"])
    off = np.clip(eday.to_numpy().astype("datetime64[D]").astype(np.int64) - low, -1, span - 1)
    start = np.searchsorted(keys, code.astype(np.int64) * span + off, side="right")
    end = np.searchsorted(keys, (code.astype(np.int64) + 1) * span, side="left")
    count = np.where((code >= 0) & eday.notna().to_numpy(), end - start, 0)
    own = _days(evaluations["project_id"].map(by_project["award_date"]))
    count = count - (own > eday).to_numpy().astype(np.int64)  # the evaluated project is not "later"
    out = pd.Series(pd.array(count, dtype="Int64"), index=evaluations.index)
    out[provider.isna().to_numpy()] = pd.NA
    return out
