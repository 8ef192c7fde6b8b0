from ..enums import FUNDING_SOURCES, PROCUREMENT_METHODS, SERVICE_CATEGORIES
from ..expectations import WARNING, between, filled, one_of, rows_at_least, unique


def suite() -> list:
    return [
        rows_at_least(1),
        unique("project_id"),
        one_of("category", SERVICE_CATEGORIES),
        one_of("procurement_method", PROCUREMENT_METHODS),
        one_of("funding_source", FUNDING_SOURCES),
        between("contract_amount", 0, None),
        # 360Giving-style usefulness: zero or huge amounts are worth a look
        between("contract_amount", 1, 20_000_000, severity=WARNING),
        filled("purchaser_uscc"),
    ]
