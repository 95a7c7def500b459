"""Transliteration between the Cyrillic and Latin alphabets of Uzbek and Kazakh, and of Russian.

Uzbek follows the official Latin alphabet of 1995 (oʻ, gʻ, sh, ch, x, q, the ʼ of ъ), through the
glossary's converters (``market.glossary``); Kazakh follows the Latin alphabet of 2021
(presidential decree of 28 January 2021: ä, ğ, q, ñ, ö, ū, ü, ı, ş). Russian to Latin follows
BGN/PCGN 1947, the spelling of most English maps ("Karaganda", "Khudzhand"). The tables serve
name matching, not typesetting: where a letter has two readings the commoner one is taken.
"""

from __future__ import annotations

import re

from market.glossary import uz_cyrillic_to_latin, uz_latin_to_cyrillic

__all__ = ["cyrillic_to_latin", "is_cyrillic", "latin_to_cyrillic"]

_RUSSIAN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip

_KAZAKH = {
    **_RUSSIAN,
    "ә": "ä", "ғ": "ğ", "қ": "q", "ң": "ñ", "ө": "ö", "ұ": "ū", "ү": "ü", "һ": "h", "і": "i",
    "и": "i", "й": "i", "ы": "y", "ж": "j", "ш": "ş", "ч": "ç", "х": "h", "у": "u", "ц": "ts",
    "щ": "şş", "ю": "iu", "я": "ia", "ё": "io", "э": "e",
}  # fmt: skip

# Tajik and Kyrgyz letters met in place names, read as BGN/PCGN does.
_OTHER = {"ӣ": "i", "ӯ": "u", "ҷ": "j", "ҳ": "h", "ғ": "gh", "қ": "q", "ң": "ng", "ө": "o", "ү": "u"}

_TO_LATIN = {
    "ru": _RUSSIAN | _OTHER | {"ә": "a", "ұ": "u", "і": "i", "һ": "h", "ў": "o"},
    "kk": _KAZAKH,
}

_TO_LATIN_TABLES = {language: str.maketrans(table) for language, table in _TO_LATIN.items()}

# Latin -> Cyrillic, longest spelling first so that "sh" wins over "s" + "h".
_FROM_LATIN_KK = {
    "şş": "щ", "ts": "ц", "ia": "я", "iu": "ю", "io": "ё", "ä": "ә", "ğ": "ғ", "q": "қ", "ñ": "ң",
    "ö": "ө", "ū": "ұ", "ü": "ү", "h": "һ", "i": "і", "ı": "ы", "y": "ы", "j": "ж", "ş": "ш",
    "ç": "ч", "u": "у", "a": "а", "b": "б", "d": "д", "e": "е", "f": "ф", "g": "г", "k": "к",
    "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "r": "р", "s": "с", "t": "т", "v": "в",
    "z": "з", "w": "у", "c": "ц", "x": "х",
}  # fmt: skip
_FROM_LATIN_KK_PATTERN = re.compile("|".join(sorted(map(re.escape, _FROM_LATIN_KK), key=len, reverse=True)))


def is_cyrillic(text: str) -> bool:
    """Whether any letter of ``text`` is Cyrillic."""
    return any("\u0400" <= c <= "\u04ff" for c in text)


def cyrillic_to_latin(text: str, language: str = "ru") -> str:
    """``text`` (lower case) in the Latin alphabet of ``language`` (``ru``, ``uz`` or ``kk``)."""
    if language == "uz":
        return uz_cyrillic_to_latin(text)
    return text.translate(_TO_LATIN_TABLES[language])


def latin_to_cyrillic(text: str, language: str) -> str:
    """``text`` (lower case, Uzbek or Kazakh Latin) in that language's Cyrillic alphabet."""
    if language == "uz":
        return uz_latin_to_cyrillic(text)
    return _FROM_LATIN_KK_PATTERN.sub(lambda found: _FROM_LATIN_KK[found.group()], text)
