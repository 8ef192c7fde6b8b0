from ..enums import HUB_KINDS
from ..expectations import (
    WARNING,
    Expect,
    filled,
    one_of,
    rows_at_least,
    unique,
    unique_per_snapshot,
)


def suite() -> list:
    return [
        rows_at_least(1),
        unique("hub_id"),
        one_of("hub_kind", HUB_KINDS),
        # "1+14+x": the district federation is there to hold the network together. A warning:
        # a network without it (or a hub register with no rows yet) is incomplete, not corrupt,
        # and must not stop the other registers' graph (issue 13: nothing a file holds stops a run)
        Expect(
            "ExpectColumnDistinctValuesToContainSet", {"column": "hub_kind", "value_set": ["区社会组织联合会"]}, WARNING
        ),
    ]


def membership_suite() -> list:
    return [
        rows_at_least(1),
        unique_per_snapshot("uscc"),
        filled("joined_on", mostly=0.9),
    ]
