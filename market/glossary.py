"""The commodity glossary: trade terms in English, Russian, Kazakh, Uzbek, Tajik and Kyrgyz per HS heading.

The HS heading is the language-neutral pivot: a listing's search document carries every term of its
heading (``terms_for``), and a free-text query is expanded to the headings it names (``headings_for``),
so "мука", "un", "ун", "ұн" and "flour" all reach wheat flour (1101).

Uzbek terms are stored in the official 1995 Latin alphabet (oʻ, gʻ with U+02BB); the Cyrillic form is
derived by ``uz_latin_to_cyrillic``. The rules are the simple, regular ones: loanwords whose spelling
differs between the scripts (Latin "sement" vs Cyrillic "цемент", "neft" vs "нефть") do not round-trip,
and "ts" is always "тс". Latin "e" is "э" at the start of a word or after a vowel, "е" elsewhere; "ye"
in those positions is "е".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

import msgspec

from market.code_lookups import hs_entry

__all__ = [
    "MAX_QUERY_WORDS",
    "GlossaryEntry",
    "headings_for",
    "load_glossary",
    "normalize_words",
    "search_terms",
    "terms_for",
    "uz_cyrillic_to_latin",
    "uz_latin_to_cyrillic",
]

_APOSTROPHES = "'‘’`ʼʻ"  # every way people type the Uzbek oʻ/gʻ mark and the tutuq belgisi
_OKINA = "ʻ"  # U+02BB, the official mark in oʻ and gʻ
_TUTUQ = "ʼ"  # U+02BC, the separation mark (Cyrillic ъ)
_LATIN_VOWELS = "aeiou"
_CYRILLIC_VOWELS = "аеёиоуэюяў"

# Tried three letters, then two, then one: "yoʻ" must win over "yo" ("yoʻl" is йўл, not ёʻл).
_LATIN_TO_CYRILLIC = {
    "yoʻ": "йў", "oʻ": "ў", "gʻ": "ғ", "sh": "ш", "ch": "ч", "yo": "ё", "yu": "ю", "ya": "я",
    "a": "а", "b": "б", "d": "д", "f": "ф", "g": "г", "h": "ҳ", "i": "и", "j": "ж", "k": "к", "l": "л",
    "m": "м", "n": "н", "o": "о", "p": "п", "q": "қ", "r": "р", "s": "с", "t": "т", "u": "у", "v": "в",
    "x": "х", "y": "й", "z": "з", _TUTUQ: "ъ",
}  # fmt: skip
_CYRILLIC_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ё": "yo", "ж": "j", "з": "z", "и": "i", "й": "y",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "x", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": _TUTUQ, "ь": "", "ы": "i",
    "э": "e", "ю": "yu", "я": "ya", "ў": "o" + _OKINA, "қ": "q", "ғ": "g" + _OKINA, "ҳ": "h",
}  # fmt: skip


class GlossaryEntry(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """The trade terms for one HS heading; each list starts with the everyday word."""

    hs: str
    """The 4-digit HS heading."""
    en: list[str]
    ru: list[str]
    kk: list[str] = []
    """Kazakh, Cyrillic."""
    uz: list[str] = []
    """Uzbek, Latin only; the Cyrillic form is derived."""
    tg: list[str] = []
    """Tajik, Cyrillic."""
    ky: list[str] = []
    """Kyrgyz, Cyrillic."""
    source: str
    estimate: bool = False
    """The local-language terms are a low-confidence estimate."""


def _match_case(source: str, target: str) -> str:
    return target.capitalize() if source[:1].isupper() else target


def _unify_apostrophes(text: str) -> str:
    """oʻ/gʻ take U+02BB whatever apostrophe was typed; any other apostrophe is the tutuq belgisi."""

    def mark(found: re.Match[str]) -> str:
        at = found.start()
        return _OKINA if at and text[at - 1] in "oOgG" else _TUTUQ

    return re.sub(f"[{_APOSTROPHES}]", mark, text)


def uz_latin_to_cyrillic(text: str) -> str:
    """Uzbek Latin (1995 alphabet) -> Uzbek Cyrillic ("bugʻdoy" -> "буғдой")."""
    text, out, i = _unify_apostrophes(text), [], 0
    while i < len(text):
        prev = text[i - 1].lower() if i else ""
        word_start_or_vowel = not prev.isalpha() or prev in _LATIN_VOWELS
        for size in (3, 2, 1):
            chunk = text[i : i + size]
            low = chunk.lower()
            if low == "ye" and word_start_or_vowel:
                out.append(_match_case(chunk, "е"))
            elif low == "e" and size == 1:
                out.append(_match_case(chunk, "э" if word_start_or_vowel else "е"))
            elif low in _LATIN_TO_CYRILLIC and len(low) == size:
                out.append(_match_case(chunk, _LATIN_TO_CYRILLIC[low]))
            else:
                continue
            i += size
            break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def uz_cyrillic_to_latin(text: str) -> str:
    """Uzbek Cyrillic -> Uzbek Latin (1995 alphabet, oʻ/gʻ with U+02BB): "буғдой" -> "bugʻdoy"."""
    out = []
    for i, char in enumerate(text):
        low, prev = char.lower(), text[i - 1].lower() if i else ""
        if low == "е":
            latin = "ye" if not prev.isalpha() or prev in _CYRILLIC_VOWELS else "e"
        else:
            latin = _CYRILLIC_TO_LATIN.get(low, char)
        out.append(_match_case(char, latin))
    return "".join(out)


def _normalize(text: str) -> str:
    """Casefolded words: apostrophes dropped (so "bugʻdoy" == "bug'doy" == "bugdoy"), ё read as е,
    any other punctuation a word break."""
    folded = re.sub(f"[{_APOSTROPHES}]", "", text.casefold()).replace("ё", "е")
    return " ".join(re.sub(r"[\W_]+", " ", folded).split())


def normalize_words(text: str) -> list[str]:
    """The words glossary matching compares (see ``_normalize``)."""
    return _normalize(text).split()


def _check(entry: GlossaryEntry) -> None:
    if not re.fullmatch(r"\d{4}", entry.hs) or hs_entry(entry.hs) is None:
        raise ValueError(f"glossary: {entry.hs!r} is not an HS heading")
    if not entry.en or not entry.ru:
        raise ValueError(f"glossary {entry.hs}: English and Russian terms are required")
    terms = [*entry.en, *entry.ru, *entry.kk, *entry.uz, *entry.tg, *entry.ky]
    if any(not t.strip() or t != t.lower() for t in terms):
        raise ValueError(f"glossary {entry.hs}: terms must be non-empty and lowercase")
    if any(re.search(r"[\u0400-\u04ff]", t) for t in entry.uz):
        raise ValueError(f"glossary {entry.hs}: Uzbek terms must be in Latin script")


@lru_cache(maxsize=1)
def load_glossary() -> Mapping[str, GlossaryEntry]:
    """Every glossary entry by HS heading, checked once on first use."""
    raw = (resources.files("market") / "data" / "glossary.json").read_bytes()
    glossary: dict[str, GlossaryEntry] = {}
    for entry in msgspec.json.decode(raw, type=list[GlossaryEntry]):
        _check(entry)
        if entry.hs in glossary:
            raise ValueError(f"glossary: heading {entry.hs} appears twice")
        glossary[entry.hs] = entry
    return MappingProxyType(glossary)


def terms_for(hs_code: str) -> list[str]:
    """Every term of the code's heading in every language, Uzbek in both scripts; lowercase, no repeats."""
    entry = load_glossary().get(hs_code[:4])
    if entry is None:
        return []
    uz_cyrillic = [uz_latin_to_cyrillic(t) for t in entry.uz]
    terms = [*entry.en, *entry.ru, *entry.kk, *entry.uz, *uz_cyrillic, *entry.tg, *entry.ky]
    return list(dict.fromkeys(t.lower() for t in terms))


MAX_QUERY_WORDS = 256
"""Words of a query (or of a title plus description) that ``headings_for`` reads; the rest are ignored,
so a 5,000-character description costs what its first 256 words cost."""

_MIN_PREFIX = 3  # a query word shorter than this matches only whole terms


class _TermIndex(msgspec.Struct, frozen=True):
    """The glossary turned around, so a query costs lookups per word instead of a scan of every term."""

    exact: dict[tuple[str, ...], dict[str, int]]
    """Normalized term words -> {heading: length of the term}."""
    prefix: dict[str, dict[str, int]]
    """Start of a term word (3 letters or more) -> {heading: minus the length of its shortest such term}."""
    longest: int
    """Words in the longest term."""


@lru_cache(maxsize=1)
def _term_index() -> _TermIndex:
    exact: dict[tuple[str, ...], dict[str, int]] = {}
    prefix: dict[str, dict[str, int]] = {}
    for heading in load_glossary():
        for term in terms_for(heading):
            words = tuple(normalize_words(term))
            if not words:
                continue
            size = len(" ".join(words))
            exact.setdefault(words, {})[heading] = size
            for word in words:
                for end in range(_MIN_PREFIX, len(word) + 1):
                    found = prefix.setdefault(word[:end], {})
                    found[heading] = max(found.get(heading, -size), -size)
    return _TermIndex(exact=exact, prefix=prefix, longest=max(len(t) for t in exact))


def _better(best: dict[str, tuple[int, int]], found: dict[str, int], strength: int) -> None:
    for heading, tie in found.items():
        rank = (strength, tie)
        if rank > best.get(heading, (0, 0)):
            best[heading] = rank


def headings_for(text: str) -> list[str]:
    """The headings whose terms match a free-text query in any language, best match first.

    Rank 3: the query is the term; 2: the query holds the whole term (longer terms first); 1: a word of
    the term starts with a query word of 3 letters or more, "мука" in "мука ржаная" (shorter terms
    first). Only the first ``MAX_QUERY_WORDS`` words count."""
    query = tuple(normalize_words(text)[:MAX_QUERY_WORDS])
    if not query:
        return []
    index = _term_index()
    best: dict[str, tuple[int, int]] = {}
    for word in dict.fromkeys(query):
        if len(word) >= _MIN_PREFIX:
            _better(best, index.prefix.get(word, {}), 1)
    for start in range(len(query)):
        for end in range(start + 1, min(start + index.longest, len(query)) + 1):
            _better(best, index.exact.get(query[start:end], {}), 2)
    _better(best, index.exact.get(query, {}), 3)
    return sorted(best, key=lambda h: (-best[h][0], -best[h][1], h))


@lru_cache(maxsize=2048)
def search_terms(hs_code: str) -> tuple[str, ...]:
    """``terms_for`` plus each term without apostrophes, as people type Uzbek without the mark."""
    terms = terms_for(hs_code)
    bare = [t.translate({ord(c): None for c in _APOSTROPHES}) for t in terms]
    return tuple(dict.fromkeys([*terms, *bare]))
