"""Communities register and division changes → districts, streets/towns and committees, and
which district each street belonged to when.

Reads  communities/communities*.csv (one row per committee, street and district written out)
       communities/district_changes*.csv (one row per street that moved district, with the day).
Emits  communities_raw, communities_validated, communities_resolved (one row per committee);
       district_changes_raw, district_changes_validated, district_changes_resolved (with the
       history `street_district`: one row per street and period).
"""

from dagster import AssetIn, asset

from data_contracts import CommunityRecord, DistrictChangeRecord

from ..common import history
from ..common.assets import source_assets
from ..common.ordering import first_per
from ..common.register import RegisterResult
from ..common.resolve import check_references, inconsistent_names, register_tags, without_personal
from ..common.resources import PUBLIC_IO

GRAIN = "One row per residents' or village committee."
CHANGE_GRAIN = "One row per street that moved from one district to another."

communities_raw, communities_validated = source_assets(CommunityRecord, "communities", GRAIN)
district_changes_raw, district_changes_validated = source_assets(DistrictChangeRecord, "communities", CHANGE_GRAIN)


@asset(
    io_manager_key=PUBLIC_IO,
    op_tags=register_tags("communities"),
    group_name="communities",
    ins={"validated": AssetIn("communities_validated")},
    description=f"Committees accepted for the graph, nested in streets and the district. {GRAIN}",
)
def communities_resolved(validated: RegisterResult) -> RegisterResult:
    # The root of all references: nothing to resolve against, but a street or district code must
    # carry one name; rows that disagree with the first spelling are quarantined.
    result = validated
    for code, name in (("district_code", "district_name"), ("street_code", "street_name")):
        result = result.dropping(inconsistent_names(result.accepted, CommunityRecord, code, name))
    return without_personal(result, CommunityRecord)


@asset(
    io_manager_key=PUBLIC_IO,
    op_tags=register_tags("district_changes"),
    group_name="communities",
    ins={"validated": AssetIn("district_changes_validated"), "communities": AssetIn("communities_resolved")},
    description=f"Division changes of known streets, and each street's district over time. {CHANGE_GRAIN}",
)
def district_changes_resolved(validated: RegisterResult, communities: RegisterResult) -> RegisterResult:
    result = without_personal(
        check_references(validated, DistrictChangeRecord, {"communities": communities}), DistrictChangeRecord
    )
    streets = first_per(communities.current(CommunityRecord, ["street_code", "district_code"]), "street_code")
    now = streets.set_index("street_code")["district_code"]
    periods = history.moves(
        result.accepted, now, "street_code", "from_district_code", "to_district_code", "change_date"
    )
    return result.with_history(street_district=periods)
