from ..enums import WORKER_LEVELS
from ..expectations import columns_exactly, one_of, rows_at_least, unique
from .contract import SocialWorkerRecord


def suite() -> list:
    return [
        rows_at_least(1),
        unique("worker_key"),
        one_of("level", WORKER_LEVELS),
        # privacy: no personal field survives resolution
        columns_exactly([*SocialWorkerRecord.public_fields(), "asof"]),
    ]
