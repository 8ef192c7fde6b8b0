from ..enums import INSPECTION_RESULTS, ORG_GRADES, ORG_TYPES, REGISTRATION_STATUSES
from ..expectations import between, filled, one_of, refers_to, rows_at_least, unique_per_snapshot


def suite(refs: dict[str, set[str]]) -> list:
    return [
        rows_at_least(1),
        unique_per_snapshot("uscc"),
        unique_per_snapshot("name"),
        one_of("org_type", ORG_TYPES),
        one_of("status", REGISTRATION_STATUSES),
        one_of("inspection_result", INSPECTION_RESULTS),
        one_of("grade", ORG_GRADES),
        refers_to("street_code", refs["streets"]),
        filled("business_scope", mostly=0.9),
        filled("inspection_result", mostly=0.7),
    ]


def inspection_suite(refs: dict[str, set[str]]) -> list:
    return [
        rows_at_least(1),
        unique_per_snapshot("uscc", "year"),
        refers_to("uscc", refs["organisations"]),
        one_of("result", INSPECTION_RESULTS),
        between("year", 1990, 2100),
    ]
