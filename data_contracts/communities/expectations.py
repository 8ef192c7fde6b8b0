from ..enums import COMMUNITY_KINDS, STREET_KINDS
from ..expectations import (
    between,
    filled,
    one_of,
    rows_at_least,
    unique,
    unique_per_snapshot,
)


def suite() -> list:
    return [
        rows_at_least(1),
        unique("community_code"),
        filled("community_name"),
        one_of("community_kind", COMMUNITY_KINDS),
        one_of("street_kind", STREET_KINDS),
        filled("street_code"),
        between("population", 0, 100_000),
        filled("population", mostly=0.99),
    ]


def change_suite() -> list:
    return [
        unique_per_snapshot("street_code", "change_date"),
        filled("from_district_name"),
    ]
