from ..enums import WORKER_LEVELS
from ..expectations import columns_exactly, one_of, refers_to, rows_at_least, unique
from .contract import SocialWorkerRecord


def suite(refs: dict[str, set[str]]) -> list:
    return [
        rows_at_least(1),
        unique("worker_key"),
        one_of("level", WORKER_LEVELS),
        refers_to("employer_uscc", refs["organisations"]),
        # privacy: no personal field survives resolution
        columns_exactly([*SocialWorkerRecord.public_fields(), "asof"]),
    ]
