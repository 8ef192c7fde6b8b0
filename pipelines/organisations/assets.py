"""Social organisations register (current and dated snapshots) and annual inspections →
organisations with their active period, grade history, credit-list entries and inspections.

Reads  organisations/organisations*.csv (one row per organisation per snapshot; a file named
       `..._asof_YYYY-MM-DD.csv` is the register as printed that day)
       organisations/annual_inspections*.csv (one row per organisation and inspected year).
Emits  organisations_raw, organisations_validated, organisations_resolved (histories `status`,
       `grades`, `credit_lists`); annual_inspections_raw, _validated, _resolved.
Checks the street of residence is a known street; an inspection's organisation is known.
"""

import datetime as dt
from dataclasses import replace
from functools import partial

import numpy as np
import pandas as pd
from dagster import AssetIn, asset

from data_contracts import AnnualInspectionRecord, OrganisationRecord
from data_contracts.enums import GRADE_VALID_YEARS
from data_contracts.validation import issue, issues_frame

from ..common import history
from ..common.assets import source_assets
from ..common.division_names import lookup, street_index
from ..common.register import RegisterResult
from ..common.resolve import check_references, register_tags, without_personal
from ..common.resources import PUBLIC_IO
from ..common.threads import together

GRAIN = "One row per registered social organisation and register snapshot."
INSPECTION_GRAIN = "One row per organisation and inspected year."

organisations_raw, organisations_validated = source_assets(OrganisationRecord, "organisations", GRAIN)
annual_inspections_raw, annual_inspections_validated = source_assets(
    AnnualInspectionRecord, "organisations", INSPECTION_GRAIN
)


def listings(listed: pd.DataFrame) -> pd.DataFrame:
    """One row per credit listing (uscc, credit_list, listed_on) of `listed` (`credit_entries`: a
    listing seen in several snapshots): the reason of the latest snapshot, the latest removal
    date recorded (a `datetime.date`, NaN when none was). The latest is found as a day number
    when the column holds dates and missing values only (what the contract gives):
    pandas takes the max of Python dates one group at a time (0.76 s for the national
    benchmark's 17,806 listings, 0.04 s so). tests/test_history.py holds it equal to the max of
    the dates."""
    removed = listed["removed_on"]
    plain = removed.dtype == object and all(type(d) is dt.date or _no_value(d) for d in removed)
    by = listed.assign(removed_on=removed.map(_day_number).astype("float64")) if plain else listed
    out = (
        by.sort_values("_asof")
        .groupby(["uscc", "credit_list", "listed_on"], as_index=False)
        .agg(reason=("listing_reason", "last"), removed_on=("removed_on", "max"))
    )
    if plain:
        out["removed_on"] = (
            out["removed_on"].map(lambda d: dt.date.fromordinal(int(d)), na_action="ignore").astype(object)
        )
    return out


def _no_value(v: object) -> bool:
    return v is None or (type(v) is float and v != v)


def _day_number(v: object) -> float:
    """A `datetime.date` as its day number (`toordinal`), anything else as NaN (`listings` takes
    day numbers only of a column of dates and missing values: other values, a datetime or
    pandas' NaT among them, are left to pandas' own max)."""
    return float(v.toordinal()) if type(v) is dt.date else np.nan


@asset(
    io_manager_key=PUBLIC_IO,
    op_tags=register_tags("organisations"),
    group_name="organisations",
    ins={"validated": AssetIn("organisations_validated"), "communities": AssetIn("communities_resolved")},
    description=f"Organisations accepted for the graph, street resolved, with their active period, "
    f"grades and credit-list entries over time. {GRAIN}",
)
def organisations_resolved(validated: RegisterResult, communities: RegisterResult) -> RegisterResult:
    result = without_personal(
        check_references(streets_by_name(validated, communities), OrganisationRecord, {"communities": communities}),
        OrganisationRecord,
    )
    rows = result.accepted
    # on two threads, as the hub memberships' histories are
    return result.with_history(
        **together(
            status=partial(history.status_periods, rows, "uscc", "registration_date", "status", "正常", "status_date"),
            grades=partial(_grades, rows),
            credit_lists=partial(_credit_lists, rows),
        )
    )


def _grades(rows: pd.DataFrame) -> pd.DataFrame:
    """Each grade given, valid until it lapses or a later grade replaces it."""
    events = history.events(rows, ["uscc", "grade", "grade_date"], "grade_date")
    return history.lapsing(events, "uscc", "grade_date", GRADE_VALID_YEARS)


def _credit_lists(rows: pd.DataFrame) -> pd.DataFrame:
    """Each credit listing, valid from its listing to its removal (open while not removed)."""
    credit = listings(credit_entries(rows))
    return credit.assign(
        valid_from=credit["listed_on"], valid_to=credit["removed_on"].where(credit["removed_on"].notna(), None)
    )


#: the national platform's export names each credit list in columns of its own
PLATFORM_LISTS = {"活动异常名录": "abnormal", "严重违法失信名单": "serious"}
CREDIT_COLUMNS = ["uscc", "credit_list", "listed_on", "removed_on", "listing_reason", "_asof"]


def credit_entries(rows: pd.DataFrame) -> pd.DataFrame:
    """Every credit-list entry of the accepted rows, one row each: from the register's own
    credit-list columns (信用名单, 列入日期, ...) and from the platform's per-list columns
    (异常活动名录_列入时间, ...), so an organisation can be on both lists."""
    parts = [rows[CREDIT_COLUMNS]]
    for name, prefix in PLATFORM_LISTS.items():
        if f"{prefix}_listed_on" in rows:
            part = rows[["uscc", f"{prefix}_listed_on", f"{prefix}_removed_on", f"{prefix}_reason", "_asof"]]
            part = part.set_axis(["uscc", "listed_on", "removed_on", "listing_reason", "_asof"], axis=1)
            parts.append(part.assign(credit_list=name)[CREDIT_COLUMNS])
    both = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else parts[0]
    return both.dropna(subset=["credit_list", "listed_on"])


def streets_by_name(result: RegisterResult, communities: RegisterResult) -> RegisterResult:
    """Fill a missing street code from the street's name (所属街道) by the communities register.
    A name the register does not hold, or holds twice, leaves the street unknown: the row is kept
    with the warning `street_name_unmatched`. Rows with no street at all (the national platform
    writes only a free-text 住所) are counted per file in the accounting, not warned row by row."""
    rows = result.accepted
    blank = rows["street_code"].isna()
    if not blank.any():
        return result
    index = street_index(communities.accepted)
    named = blank & rows["street_name"].notna()
    found = rows.loc[named, "street_name"].map(lambda n: lookup(index, n))
    codes = rows["street_code"].copy()
    one = found[found.map(len) == 1]
    codes.loc[one.index] = one.map(lambda c: c[0])
    issues = []
    for at in found.index[found.map(len) != 1]:
        cands = found[at]
        issues.append(
            issue(
                OrganisationRecord,
                rows.at[at, "_file"],
                int(rows.at[at, "_row"]),
                "street_name",
                "street_name_unmatched",
                rows.at[at, "street_name"],
                name=rows.at[at, "street_name"],
                how="有多个同名街道" if cands else "找不到",
                how_en="ambiguous" if cands else "not found",
                candidates=f" ({'、'.join(cands)})" if cands else "",
            )
        )
    unknown = blank & ~named
    notes: dict[str, dict[str, int]] = {}
    for file, n in rows.loc[one.index, "_file"].value_counts().items():
        notes.setdefault(file, {})["street_code <- 所属街道 via the communities register"] = int(n)
    for file, n in rows.loc[unknown, "_file"].value_counts().items():
        notes.setdefault(file, {})["street_code: unknown (no street column; 住所 is free text)"] = int(n)
    out = replace(result, accepted=rows.assign(street_code=codes)).dropping(issues_frame(issues))
    return out.deriving(notes)


@asset(
    io_manager_key=PUBLIC_IO,
    op_tags=register_tags("annual_inspections"),
    group_name="organisations",
    ins={"validated": AssetIn("annual_inspections_validated"), "organisations": AssetIn("organisations_resolved")},
    description=f"Annual inspections of known organisations. {INSPECTION_GRAIN}",
)
def annual_inspections_resolved(validated: RegisterResult, organisations: RegisterResult) -> RegisterResult:
    return without_personal(
        check_references(validated, AnnualInspectionRecord, {"organisations": organisations}), AnnualInspectionRecord
    )
