from ..enums import EVALUATION_GRADES
from ..expectations import between, one_of, refers_to, rows_at_least, unique


def suite(refs: dict[str, set[str]]) -> list:
    return [
        rows_at_least(1),
        unique("evaluation_id"),
        refers_to("project_id", refs["projects"]),
        between("score", 0, 100),
        one_of("grade", EVALUATION_GRADES),
    ]
