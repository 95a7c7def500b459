"""The two keys a place name is looked up by.

``name_key`` folds only what never tells two names apart: case, diacritics, apostrophes (the
Uzbek ʻ typed as ' ` ’ ʼ), hyphens and other punctuation, spacing. "Qoʻqon", "Qo'qon" and
"QOQON" share one key; "Қарағанды" keeps its script.

``spelling_key`` is looser: any Cyrillic is read into Latin first, and the Latin spellings that
romanisations disagree on are merged (kh = x = h, zh = dzh = j, q = k, gh = g, y = i, w = v,
doubled letters, spaces), so "Қарағанды", "Qaraghandy" and "Karagandy" meet, as do "Қўқон" and
"Qoʻqon", "Khudzhand" and "Khujand". It is the second tier of a lookup, after ``name_key``.
"""

from __future__ import annotations

import re
import unicodedata

from market.geography.scripts import cyrillic_to_latin

__all__ = ["edit_distance", "name_key", "spelling_key", "variants"]

_APOSTROPHES = "'`’‘ʻʼʹ′´ʿʾ\""
_DROP = str.maketrans({c: "" for c in _APOSTROPHES})
_SPACE = re.compile(r"[\s\-‐‑–—_.,;:/()\[\]]+")

# Letters whose diacritic carries a sound that the Latin romanisations spell with two letters.
_LATIN_LETTERS = str.maketrans(
    {"ş": "sh", "š": "sh", "ș": "sh", "ç": "ch", "č": "ch", "ž": "zh", "ñ": "n", "ň": "n", "ı": "i", "ğ": "g"}
)
_MERGES = (("shch", "sh"), ("dzh", "j"), ("zh", "j"), ("kh", "h"), ("gh", "g"), ("ts", "c"))
_SINGLE = str.maketrans({"x": "h", "q": "k", "y": "i", "w": "v", "ё": "е"})
_REPEATS = re.compile(r"(.)\1+")


def _strip_marks(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def name_key(name: str) -> str:
    """Case-, diacritic-, apostrophe- and punctuation-folded form of a name, in its own script."""
    folded = unicodedata.normalize("NFC", name).casefold().translate(_DROP)
    # Cyrillic й and ў are letters of their own, not и and у with a mark: keep them apart.
    folded = folded.replace("й", "\x01").replace("ў", "\x02")
    folded = _strip_marks(folded).replace("\x01", "й").replace("\x02", "ў")
    return " ".join(_SPACE.sub(" ", folded).split())


def spelling_key(name: str) -> str:
    """A Latin skeleton of a name on which the common romanisations of it agree."""
    text = unicodedata.normalize("NFC", name).casefold().translate(_DROP)
    text = cyrillic_to_latin(text, "ru").translate(_LATIN_LETTERS)
    text = _strip_marks(text)
    text = _SPACE.sub("", text)
    for long, short in _MERGES:
        text = text.replace(long, short)
    text = text.translate(_SINGLE)
    return _REPEATS.sub(r"\1", text)


def variants(name: str) -> tuple[str, str]:
    """(``name_key``, ``spelling_key``) of a name."""
    return name_key(name), spelling_key(name)


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Levenshtein distance of two keys, or ``limit + 1`` as soon as it must exceed ``limit``.

    Only the band of cells within ``limit`` of the diagonal is computed (a cell outside it is
    already more than ``limit`` edits away), so a call costs about len(a) * (2 * limit + 1) steps."""
    n = len(b)
    if abs(len(a) - n) > limit:
        return limit + 1
    beyond = limit + 1
    previous = [j if j <= limit else beyond for j in range(n + 1)]
    for i, ca in enumerate(a, 1):
        low, high = max(1, i - limit), min(n, i + limit)
        current = [beyond] * (n + 1)
        left = current[0] = i if i <= limit else beyond
        best = left
        for j in range(low, high + 1):
            value = previous[j - 1] if ca == b[j - 1] else previous[j - 1] + 1
            if previous[j] + 1 < value:
                value = previous[j] + 1
            if left + 1 < value:
                value = left + 1
            if value > beyond:
                value = beyond
            current[j] = left = value
            if value < best:
                best = value
        if best > limit:
            return beyond
        previous = current
    return previous[n] if previous[n] < beyond else beyond
