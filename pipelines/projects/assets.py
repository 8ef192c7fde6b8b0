"""Purchased-service projects → purchasers, projects, providers, communities, funding, staff.

Reads  projects/projects*.csv or .xlsx (one row per contract; bureaus file one list per year)
       decisions/provider_matches.csv (a person's accept/reject of provider name matches).
Emits  projects_raw, projects_validated, projects_resolved (with the reports
       `provider_matches` and `provider_review`).
Checks the provider is a known organisation (by code, or by name when the code is missing or
mistyped: see providers.py), the served communities are known committees and the staffed
workers are known workers.
"""

from dataclasses import replace

import pandas as pd
from dagster import AssetIn, asset

from data_contracts import OrganisationRecord, ProjectRecord
from data_contracts.lists import arrow_lists, lengths, with_lists
from data_contracts.rules import Severity
from data_contracts.validation import issue, issues_frame
from data_contracts.values import compact

from ..common.assets import source_assets
from ..common.division_names import community_index, lookup
from ..common.matching import DECISIONS_FILE, read_decisions
from ..common.register import RegisterResult
from ..common.resolve import check_references, register_tags, without_personal
from ..common.resources import PUBLIC_IO, SansheResource
from .providers import resolve_providers

GRAIN = "One row per purchased-service contract."


def purchasers_by_name(result: RegisterResult) -> RegisterResult:
    """Fill a missing purchaser code from another row naming the same purchaser (compared as
    providers are: without spaces, half-width) with a code, when that name has one code only.
    The rest stay without a code (the project loads; no purchaser node is made for it); both
    are counted per file in the accounting."""
    rows = result.accepted
    blank = rows["purchaser_uscc"].isna()
    if not blank.any():
        return result
    key = rows["purchaser_name"].map(compact)
    known = pd.DataFrame({"key": key[~blank], "code": rows.loc[~blank, "purchaser_uscc"]}).drop_duplicates()
    single = known.drop_duplicates("key", keep=False).set_index("key")["code"]
    filled = key[blank].map(single)
    codes = rows["purchaser_uscc"].copy()
    codes.loc[filled.index] = filled
    notes: dict[str, dict[str, int]] = {}
    for file, n in rows.loc[filled.dropna().index, "_file"].value_counts().items():
        notes.setdefault(file, {})["purchaser_uscc <- a row with the same 购买主体 name"] = int(n)
    for file, n in rows.loc[filled[filled.isna()].index, "_file"].value_counts().items():
        notes.setdefault(file, {})["purchaser_uscc: unknown (no row names this purchaser with a code)"] = int(n)
    return replace(result, accepted=rows.assign(purchaser_uscc=codes)).deriving(notes)


def _lists_with_items(column: pd.Series) -> pd.Series:
    """Per cell of a list column: whether it holds an item (bool, `column`'s index), from the
    lists' lengths (lists.arrow_lists: Arrow lists as they are, no Python value per cell)."""
    return pd.Series(lengths(arrow_lists(column)) > 0, index=column.index)


def communities_by_name(result: RegisterResult, communities: RegisterResult) -> RegisterResult:
    """Served communities written by name: each name resolved to its committee code against
    the communities register (division_names.py) and added to the codes; a name the register
    does not hold, or holds more than once, quarantines the row with the candidates."""
    rows = result.accepted
    has = _lists_with_items(rows["served_community_names"])
    if not has.any():
        return result
    index = community_index(communities.accepted)
    codes = rows["served_communities"]
    notes: dict[str, dict[str, int]]
    issues, notes, changed = [], {}, {}
    for at in rows.index[has]:
        found, bad = list(codes[at]) if isinstance(codes[at], list) else [], None
        for name in rows.at[at, "served_community_names"]:
            cands = lookup(index, name)
            if len(cands) == 1:
                found.append(cands[0])
            elif bad is None:
                bad = (name, cands)
        file, row = rows.at[at, "_file"], int(rows.at[at, "_row"])
        if bad is not None:
            name, cands = bad
            rule = "community_name_ambiguous" if cands else "community_name_unmatched"
            issues.append(
                issue(
                    ProjectRecord,
                    file,
                    row,
                    "served_community_names",
                    rule,
                    ";".join(rows.at[at, "served_community_names"]),
                    name=name,
                    candidates=cands,
                )
            )
            continue
        changed[at] = list(dict.fromkeys(found))
        notes.setdefault(file, {"served_communities <- 服务社区名称 via the communities register": 0})
        notes[file]["served_communities <- 服务社区名称 via the communities register"] += 1
    out = replace(result, accepted=rows.assign(served_communities=with_lists(codes, changed)))
    out = out.dropping(issues_frame(issues))
    return out.deriving(notes)


projects_raw, projects_validated = source_assets(ProjectRecord, "projects", GRAIN)


@asset(
    io_manager_key=PUBLIC_IO,
    op_tags=register_tags("projects"),
    group_name="projects",
    ins={
        "validated": AssetIn("projects_validated"),
        "organisations": AssetIn("organisations_resolved"),
        "communities": AssetIn("communities_resolved"),
        "workers": AssetIn("workers_resolved"),
    },
    description=f"Projects accepted for the graph, every reference resolved. {GRAIN}",
)
def projects_resolved(
    sanshe: SansheResource,
    validated: RegisterResult,
    organisations: RegisterResult,
    communities: RegisterResult,
    workers: RegisterResult,
) -> RegisterResult:
    # each organisation's latest row, of the two columns the provider look-up reads
    orgs = organisations.current(OrganisationRecord, ["uscc", "name"])
    soft = validated.issues[
        (validated.issues["field"] == "provider_uscc") & (validated.issues["severity"] == Severity.WARNING)
    ]
    written = {(f, int(r)): v for f, r, v in zip(soft["file"], soft["row"], soft["value"], strict=True)}
    places = sorted(communities.accepted["district_name"].unique().tolist())
    result = communities_by_name(purchasers_by_name(validated), communities)
    decisions = read_decisions(sanshe.settings.source_dir)
    result = resolve_providers(result, orgs, decisions, places, written)
    if "problem" in decisions.attrs:  # listed in the accounting, as a file of no rows with its note
        part = DECISIONS_FILE.as_posix()
        result = replace(
            result,
            rows_per_file={**result.rows_per_file, part: 0},
            notes={**result.notes, part: [decisions.attrs["problem"]]},
        )
    result = check_references(
        result, ProjectRecord, {"organisations": organisations, "communities": communities, "workers": workers}
    )
    return without_personal(result, ProjectRecord)
