from ..enums import INSPECTION_RESULTS, ORG_GRADES, ORG_TYPES, REGISTRATION_STATUSES
from ..expectations import between, filled, one_of, rows_at_least, unique_per_snapshot


def suite() -> list:
    return [
        rows_at_least(1),
        unique_per_snapshot("uscc"),
        unique_per_snapshot("name"),
        one_of("org_type", ORG_TYPES),
        one_of("status", REGISTRATION_STATUSES),
        one_of("inspection_result", INSPECTION_RESULTS),
        one_of("grade", ORG_GRADES),
        filled("business_scope", mostly=0.9),
        filled("inspection_result", mostly=0.7),
    ]


def inspection_suite() -> list:
    return [
        rows_at_least(1),
        unique_per_snapshot("uscc", "year"),
        one_of("result", INSPECTION_RESULTS),
        between("year", 1990, 2100),
    ]
