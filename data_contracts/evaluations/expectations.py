from ..enums import EVALUATION_GRADES
from ..expectations import between, one_of, rows_at_least, unique


def suite() -> list:
    return [
        rows_at_least(1),
        unique("evaluation_id"),
        between("score", 0, 100),
        one_of("grade", EVALUATION_GRADES),
    ]
