import pytest

from data_contracts import identifiers as ids

VERIFIED = ["53100000500021676K", "51310110501144395U", "5233032932953477XD"]


@pytest.mark.parametrize("code", VERIFIED)
def test_verified_usccs_from_domain_brief_are_valid(code):
    assert ids.uscc_problems(code) == []


def test_common_fake_has_wrong_check_character_which_should_be_5():
    code = "12100000400008888X"
    assert ids.uscc_problems(code) == ["uscc_check_char"]
    assert ids.uscc_check_char(code[:17]) == "5"


@pytest.mark.parametrize("code", VERIFIED)
def test_forged_check_character_is_caught(code):
    forged = code[:17] + ("0" if code[17] != "0" else "1")
    assert "uscc_check_char" in ids.uscc_problems(forged)


def test_embedded_organisation_code_check():
    code = "51310110501144395U"
    body = code[:16] + "6"  # wrong GB 11714 check, then repair the outer check character
    forged = body + ids.uscc_check_char(body)
    assert ids.uscc_problems(forged) == ["uscc_org_code_check"]
    assert ids.org_code_check_char("50114439") == "5"


def test_org_code_check_maps_10_to_x_and_11_to_0():
    # weights 3,7,9,10,5,8,4,2; find bodies whose check is X and 0 by search, then verify the rule
    xs = [f"{n:08d}" for n in range(5000) if ids.org_code_check_char(f"{n:08d}") == "X"]
    zeros = [f"{n:08d}" for n in range(5000) if ids.org_code_check_char(f"{n:08d}") == "0"]
    w = [3, 7, 9, 10, 5, 8, 4, 2]
    assert xs and zeros
    assert 11 - sum(int(c) * k for c, k in zip(xs[0], w, strict=True)) % 11 == 10
    assert 11 - sum(int(c) * k for c, k in zip(zeros[0], w, strict=True)) % 11 == 11


@pytest.mark.parametrize("code,problem", [
    ("5131011050114439", "uscc_length"),
    ("51310110501144395I", "uscc_alphabet"),
    ("5131011050114439SU", "uscc_alphabet"),
])
def test_shape_rules(code, problem):
    assert ids.uscc_problems(code) == [problem]


def test_civil_affairs_meaning_checks():
    assert ids.uscc_type_problems("51310110501144395U", "社会团体") == []
    assert ids.uscc_type_problems("51310110501144395U", "基金会") == ["uscc_type_mismatch"]
    assert ids.uscc_type_problems("91310110501144395U", "社会团体") == ["uscc_not_civil_affairs"]
    assert ids.uscc_type_problems("53100000500021676K", "基金会") == []


def test_make_uscc_round_trips():
    code = ids.make_uscc("5", "2", "310106", "5ABC1234")
    assert ids.uscc_problems(code) == []
    assert code[:8] == "52310106"


def test_resident_id_number_checksum():
    first17 = "00000019900101123"
    good = first17 + ids.id_number_check_char(first17)
    assert ids.id_number_problems(good) == []
    bad = first17 + ("0" if good[-1] != "0" else "1")
    assert ids.id_number_problems(bad) == ["id_number_check_char"]
    assert ids.id_number_problems("12345") == ["id_number_format"]


def test_division_kinds():
    assert ids.township_kind("310106006000") == "街道"
    assert ids.township_kind("310106100000") == "镇"
    assert ids.committee_kind("310106100200") == "村委会"
    assert ids.committee_kind("310106006001") == "居委会"


def test_mask_keeps_only_the_ends():
    assert ids.mask("000000199001011234") == "00**************34"


def _damaged(rng, good: str, alphabet: str) -> str:
    r = rng.random()
    if r < 0.3:
        i = rng.randrange(len(good))
        return good[:i] + rng.choice(alphabet) + good[i + 1:]
    return good[:-1] if r < 0.35 else good.lower() if r < 0.4 else good


def test_whole_column_checks_vouch_exactly_for_the_valid_codes():
    # the column pass skips the per-cell validator for vouched cells: a vouched code must pass
    # every rule unchanged, and a code that passes unchanged (in ASCII) must be vouched for
    import random

    from data_contracts.identifiers import valid_id_numbers, valid_usccs

    rng = random.Random(7)
    usccs = [_damaged(rng, ids.make_uscc("5", rng.choice("123"), f"{rng.randrange(10**6):06d}",
                                          "".join(rng.choice(ids.USCC_ALPHABET) for _ in range(8))),
                      ids.USCC_ALPHABET + "IOZa-中") for _ in range(5000)]
    people = []
    for _ in range(5000):
        first = "".join(rng.choice("0123456789") for _ in range(17))
        people.append(_damaged(rng, first + ids.id_number_check_char(first), "0123456789Xx٣"))
    for codes, vouch, problems in ((usccs, valid_usccs, ids.uscc_problems),
                                   (people, valid_id_numbers, ids.id_number_problems)):
        vouched = vouch(codes)
        assert 500 < sum(vouched) < len(codes)
        for code, ok in zip(codes, vouched, strict=True):
            passes = code == code.upper() and not problems(code)
            assert ok == (passes and code.isascii()), code
