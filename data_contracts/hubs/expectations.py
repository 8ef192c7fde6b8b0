from ..enums import HUB_KINDS
from ..expectations import (
    Expect,
    filled,
    one_of,
    refers_to,
    rows_at_least,
    unique,
    unique_per_snapshot,
)


def suite(refs: dict[str, set[str]]) -> list:
    return [
        rows_at_least(1),
        unique("hub_id"),
        one_of("hub_kind", HUB_KINDS),
        # "1+14+x": the district federation is there to hold the network together
        Expect("ExpectColumnDistinctValuesToContainSet", {"column": "hub_kind", "value_set": ["区社会组织联合会"]}),
        refers_to("street_code", refs["streets"]),
        refers_to("parent_hub_id", refs["hubs"]),
    ]


def membership_suite(refs: dict[str, set[str]]) -> list:
    return [
        rows_at_least(1),
        unique_per_snapshot("uscc"),
        refers_to("uscc", refs["organisations"]),
        refers_to("hub_id", refs["hubs"]),
        filled("joined_on", mostly=0.9),
    ]
