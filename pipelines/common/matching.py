"""Entity resolution for records that name an organisation without a usable code.

Consumes the names as written (e.g. a project list's provider), the organisations register
(code and name), and a person's earlier decisions (`decisions/provider_matches.csv` in the inbox).
Emits  one outcome per name: matched (confidently, or by decision), ambiguous (candidates go
       to a review file a person decides on), or unmatched.

Names are compared after normalisation: half-width, no spaces, no bracketed qualifiers, no
leading province/city/district names, and common variants folded (社会工作 -> 社工, 服务中心 ->
中心). The score is rapidfuzz's normalised similarity of the two forms (1.0 = same form). A
judgement is made once: a decision file row (accept / reject per written name and candidate)
wins over any score on every later run.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process

from data_contracts.values import compact, tidy

from .readers import decode

#: at or above: applied when no other candidate comes within MARGIN
CONFIDENT = 0.90
MARGIN = 0.05
#: at or above: shown to a person in the review file
REVIEW = 0.70
DECISIONS_FILE = Path("decisions") / "provider_matches.csv"
DECISION_COLUMNS = ["register", "written_name", "candidate_uscc", "decision"]
ACCEPT = {"accept", "接受", "是", "yes", "y", "同意"}
REJECT = {"reject", "拒绝", "否", "no", "n", "不同意"}

#: provincial-level names, with and without their suffix, stripped from the start of a name
PROVINCES = (
    "北京",
    "天津",
    "上海",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "台湾",
    "内蒙古",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
)
_BRACKETED = re.compile(r"[(\[【「][^)\]】」]*[)\]】」]")
_FOLDS = (("社会工作", "社工"), ("服务中心", "中心"), ("服务社", "社"), ("中国", ""))


def normalise(name: str, places: Iterable[str] = ()) -> str:
    """The form two spellings of one organisation's name share."""
    s = _BRACKETED.sub("", compact(name))
    prefixes, lengths = _prefixes(tuple(places))
    changed = True
    while changed:  # 上海市静安区... loses both; the longest known prefix goes first
        changed = False
        for n in lengths:  # a set look-up per length: thousands of place names cost nothing
            if len(s) > n + 1 and s[:n] in prefixes:
                s, changed = s[n:], True
                break
    for a, b in _FOLDS:
        s = s.replace(a, b)
    return s


@lru_cache(maxsize=64)
def _prefixes(places: tuple[str, ...]) -> tuple[frozenset[str], tuple[int, ...]]:
    """The place names stripped from a name's start, and their lengths, longest first."""
    found = {
        *(f"{p}{suffix}" for p in PROVINCES for suffix in ("省", "市", "自治区", "")),
        *places,
        *(p[:-1] for p in places if len(p) > 2 and p[-1] in "区县市"),
    } - {""}
    return frozenset(found), tuple(sorted({len(p) for p in found}, reverse=True))


@dataclass(frozen=True)
class Candidate:
    uscc: str
    name: str
    score: float


@dataclass(frozen=True)
class Outcome:
    #: "matched", "decided", "ambiguous" or "unmatched"
    status: str
    chosen: Candidate | None
    candidates: tuple[Candidate, ...]


def read_decisions(source_dir: Path) -> pd.DataFrame:
    """A person's decisions, one row per (register, written name, candidate code). A file in
    the review file's layout works as it is: extra columns are ignored, blank decisions skipped."""
    path = source_dir / DECISIONS_FILE
    if not path.is_file():
        return pd.DataFrame(columns=DECISION_COLUMNS)
    rows = []
    try:
        text, _ = decode(path.read_bytes())
        for r in csv.DictReader(io.StringIO(text, newline="")):
            decision = tidy(str(r.get("decision") or "")).lower()
            if decision in ACCEPT | REJECT:
                rows.append(
                    {
                        "register": tidy(str(r.get("register") or "")),
                        "written_name": tidy(str(r.get("written_name") or "")),
                        "candidate_uscc": compact(str(r.get("candidate_uscc") or "")).upper(),
                        "decision": "accept" if decision in ACCEPT else "reject",
                    }
                )
    except (UnicodeDecodeError, csv.Error, OSError) as err:
        # no decision is taken from a file that cannot be read; the accounting says so
        empty = pd.DataFrame(columns=DECISION_COLUMNS)
        empty.attrs["problem"] = (
            f"decisions not read: the file cannot be read ({type(err).__name__}); save it "
            f"as a UTF-8 CSV in the layout of provider_review.csv (决定文件无法读取，未采用其中的决定："
            f"请按 provider_review.csv 的格式另存为 UTF-8 CSV)"
        )
        return empty
    # the last line about a pair wins, as a person corrects themselves further down
    return pd.DataFrame(rows, columns=DECISION_COLUMNS).drop_duplicates(DECISION_COLUMNS[:3], keep="last")


class NameMatcher:
    """Known organisations, indexed by normalised name, for one register's decisions."""

    def __init__(self, known: pd.DataFrame, register: str, decisions: pd.DataFrame, places: Iterable[str] = ()):
        self.places = tuple(places)
        self._known = known
        mine = decisions[decisions["register"] == register]
        self.decided = {
            (n, c): d for n, c, d in zip(mine["written_name"], mine["candidate_uscc"], mine["decision"], strict=True)
        }
        self.accepted: dict[str, set[str]] = {}
        for (n, c), d in self.decided.items():
            if d == "accept":
                self.accepted.setdefault(n, set()).add(c)

    # Made on the first name that needs matching: a register whose every code is known needs
    # none of them (the national organisations' 890,400 names and codes as Python strings took
    # 0.57 s of each projects_resolved, for no project to match).
    @cached_property
    def codes(self) -> list[str]:
        return self._known["uscc"].tolist()  # one bulk conversion, not a scalar per Arrow value

    @cached_property
    def names(self) -> dict[str, str]:
        return dict(zip(self.codes, self._known["name"].tolist(), strict=True))

    @cached_property
    def forms(self) -> list[str]:
        """Every known name's form, built on the first name that needs matching."""
        return [normalise(self.names[c], self.places) for c in self.codes]

    def candidates(self, name: str, limit: int = 5) -> list[Candidate]:
        form = normalise(name, self.places)
        hits = process.extract(form, self.forms, scorer=fuzz.ratio, limit=limit, score_cutoff=REVIEW * 100)
        best: dict[str, Candidate] = {}
        for _, score, i in hits:
            code = self.codes[i]
            if code not in best or best[code].score < score / 100:
                best[code] = Candidate(code, self.names[code], round(score / 100, 4))
        return sorted(best.values(), key=lambda c: (-c.score, c.uscc))

    def match(self, written: str, automatic: bool = True) -> Outcome:
        """The outcome for one written name. With `automatic` False (the written code was
        well formed but unknown), only a person's decision can apply a candidate."""
        written = tidy(written)
        found = self.candidates(written)
        for code in sorted(self.accepted.get(written, ())):
            if code in self.names:
                chosen = next((c for c in found if c.uscc == code), Candidate(code, self.names[code], 0.0))
                return Outcome("decided", chosen, tuple(found))
        found = [c for c in found if self.decided.get((written, c.uscc)) != "reject"]
        if not found:
            return Outcome("unmatched", None, ())
        top = found[0]
        clear = len(found) == 1 or found[1].score < top.score - MARGIN
        if automatic and top.score >= CONFIDENT and clear:
            return Outcome("matched", top, tuple(found))
        return Outcome("ambiguous", None, tuple(found))
