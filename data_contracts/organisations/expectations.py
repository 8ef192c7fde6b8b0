from ..enums import INSPECTION_RESULTS, ORG_GRADES, ORG_TYPES, REGISTRATION_STATUSES
from ..expectations import filled, one_of, refers_to, rows_at_least, unique


def suite(refs: dict[str, set[str]]) -> list:
    return [
        rows_at_least(1),
        unique("uscc"),
        unique("name"),
        one_of("org_type", ORG_TYPES),
        one_of("status", REGISTRATION_STATUSES),
        one_of("inspection_result", INSPECTION_RESULTS),
        one_of("grade", ORG_GRADES),
        refers_to("street_code", refs["streets"]),
        filled("business_scope", mostly=0.9),
        filled("inspection_result", mostly=0.7),
    ]
