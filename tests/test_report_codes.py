"""Case codes: format, check character, normalisation, finding one in free text."""
from __future__ import annotations

import re

from bot.reports import codes

FORMAT = re.compile(r"^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{3}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{3}-"
                    r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{3}$")


def test_new_codes_have_the_format_a_digit_and_a_valid_check() -> None:
    seen = set()
    for _ in range(2000):
        code = codes.new_code()
        assert FORMAT.match(code), code
        assert set(code) & set("23456789")
        assert codes.normalise(code) == code
        seen.add(code)
    assert len(seen) == 2000
    assert not set("".join(seen)) & set("01OIL")


def test_every_single_substitution_and_neighbour_swap_is_caught() -> None:
    for _ in range(200):
        compact = codes.new_code().replace("-", "")
        for i in range(len(compact)):
            for c in codes.ALPHABET:
                if c != compact[i]:
                    assert codes.normalise(compact[:i] + c + compact[i + 1:]) is None
            if i + 1 < len(compact) and compact[i] != compact[i + 1]:
                swapped = compact[:i] + compact[i + 1] + compact[i] + compact[i + 2:]
                assert codes.normalise(swapped) is None


def test_typing_variants_are_normalised() -> None:
    code = codes.new_code()
    compact = code.replace("-", "")
    for typed in (code.lower(), compact, compact.lower(), " ".join([compact[:3], compact[3:6], compact[6:]]),
                  f"  {code}  ", code.replace("-", "."), "-".join(compact)):
        assert codes.normalise(typed) == code
    assert codes.normalise("") is None
    assert codes.normalise(compact[:8]) is None
    assert codes.normalise(compact + "2") is None


def test_finding_a_code_in_free_text() -> None:
    code = codes.new_code()
    assert codes.find_code(f"Szia, ez a kódom: {code.lower()}, mi van az ügyemmel?") == code
    assert codes.find_code(f"kód {code.replace('-', ' ')}") == code
    assert codes.find_code("engem megvertek tegnap este") is None  # nine letters, no digit
    assert codes.find_code(f"x{code.replace('-', '')}") is None  # part of a longer word
    bad = code[:-1] + next(c for c in codes.ALPHABET if c != code[-1])
    assert codes.find_code(bad) is None
    assert codes.looks_like_code(bad)
    assert not codes.looks_like_code("engem megvertek tegnap este")
    # Nine characters in three dashed words is not the shape of a code (an English father
    # asking about victim support was once told his "code" had a typo).
    assert not codes.looks_like_code("My 15-year-old son was beaten up near his school")


def test_a_neighbouring_word_never_wins_over_the_code() -> None:
    # Find words that happen to form a valid run with the code's first groups.
    for _ in range(300):
        code = codes.new_code()
        groups = code.split("-")
        for text in (f"ugy {' '.join(groups)}", f"kód: {code}", f"abc {code.lower()}", f"xyz {' '.join(groups)}"):
            assert codes.find_code(text) == code, text
