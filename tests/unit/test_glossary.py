"""The commodity glossary: coverage, validity, cross-language search and Uzbek transliteration."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from market.code_lookups import hs_entry
from market.glossary import (
    MAX_QUERY_WORDS,
    headings_for,
    load_glossary,
    normalize_words,
    terms_for,
    uz_cyrillic_to_latin,
    uz_latin_to_cyrillic,
)

_LANGUAGES = ("en", "ru", "kk", "uz", "tg", "ky")


def _raw_entries() -> list[dict[str, object]]:
    return json.loads((resources.files("market") / "data" / "glossary.json").read_text(encoding="utf-8"))


def test_at_least_100_headings_without_duplicates() -> None:
    headings = [e["hs"] for e in _raw_entries()]
    assert len(headings) >= 100
    assert len(headings) == len(set(headings))
    assert len(load_glossary()) == len(headings)


def test_every_heading_exists_in_hs() -> None:
    for heading in load_glossary():
        assert re.fullmatch(r"\d{4}", heading), heading
        assert hs_entry(heading) is not None, heading


def test_english_and_russian_everywhere_uzbek_in_latin() -> None:
    for entry in load_glossary().values():
        assert entry.en and entry.ru, entry.hs
        for language in _LANGUAGES:
            assert len(getattr(entry, language)) <= 4, (entry.hs, language)
        assert not any(re.search(r"[\u0400-\u04ff]", t) for t in entry.uz), entry.hs
        assert not any(re.search(r"[a-z]", t) for t in (*entry.kk, *entry.tg, *entry.ky)), entry.hs
        assert entry.source


@pytest.mark.parametrize("query", ["мука", "flour", "un", "ун", "ұн", "Мука", "bug'doy uni", "бидай ұны"])
def test_flour_in_any_language_finds_wheat_flour(query: str) -> None:
    assert "1101" in headings_for(query)[:3]


@pytest.mark.parametrize("query", ["цемент", "cement", "sement", "Portland cement", "семент"])
def test_cement_in_any_language(query: str) -> None:
    assert headings_for(query)[0] == "2523"


@pytest.mark.parametrize(
    ("query", "heading"),
    [
        ("paxta", "5201"),
        ("хлопок", "5201"),
        ("мақта", "5201"),
        ("bugʻdoy", "1001"),
        ("bug’doy", "1001"),
        ("bugdoy", "1001"),
        ("буғдой", "1001"),
        ("пшеница", "1001"),
        ("арматура", "7214"),
        ("сухофрукты", "0813"),
        ("изюм", "0806"),
        ("мука пшеничная высший сорт", "1101"),
        ("нужна пшеничная мука, 50 тонн", "1101"),
    ],
)
def test_queries_reach_their_heading_first(query: str, heading: str) -> None:
    assert headings_for(query)[0] == heading


def test_exact_term_ranks_above_partial_match() -> None:
    found = headings_for("мука")
    assert found.index("1101") < found.index("1102")


def test_unknown_and_empty_queries_find_nothing() -> None:
    assert headings_for("") == []
    assert headings_for(" ,.! ") == []
    assert headings_for("zzzqqq") == []


def test_short_words_need_an_exact_term() -> None:
    # "un" is a whole term of 1101 but must not pull in every term that merely starts with "un".
    assert headings_for("un") == ["1101"]


def test_terms_for_a_subheading_use_its_heading() -> None:
    terms = terms_for("110100")
    assert {"мука", "un", "ун", "ұн", "flour"} <= set(terms)
    assert len(terms) == len(set(terms))
    assert all(t == t.lower() for t in terms)


def test_terms_for_include_uzbek_in_both_scripts() -> None:
    terms = terms_for("1001")
    assert "bugʻdoy" in terms and "буғдой" in terms


def test_terms_for_unknown_heading_is_empty() -> None:
    assert terms_for("0000") == []


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("un", "ун"),
        ("bugʻdoy", "буғдой"),
        ("paxta", "пахта"),
        ("qoʻy goʻshti", "қўй гўшти"),
        ("yogʻ", "ёғ"),
        ("yoʻl", "йўл"),
        ("choy", "чой"),
        ("shakar", "шакар"),
        ("kungaboqar", "кунгабоқар"),
        ("oʻgʻitlar", "ўғитлар"),
        ("yer", "ер"),
        ("ekskavator", "экскаватор"),
        ("poeziya", "поэзия"),
        ("maʼlumot", "маълумот"),
        ("Toshkent", "Тошкент"),
        ("yangi", "янги"),
        ("yulduz", "юлдуз"),
    ],
)
def test_uzbek_transliteration_round_trips(latin: str, cyrillic: str) -> None:
    assert uz_latin_to_cyrillic(latin) == cyrillic
    assert uz_cyrillic_to_latin(cyrillic) == latin


@pytest.mark.parametrize("typed", ["bug'doy", "bug‘doy", "bug’doy", "bug`doy", "bugʻdoy"])
def test_every_apostrophe_variant_is_read_as_okina(typed: str) -> None:
    assert uz_latin_to_cyrillic(typed) == "буғдой"


def test_loanwords_follow_the_simple_rules() -> None:
    # Documented limitation: the official Cyrillic spelling of "sement" is "цемент".
    assert uz_latin_to_cyrillic("sement") == "семент"
    assert uz_cyrillic_to_latin("цемент") == "tsement"
    assert uz_latin_to_cyrillic("nemis") == "немис"


def _scan(text: str) -> list[str]:
    """The glossary match by brute force, every query word against every term: the reference the
    index must agree with."""
    query = tuple(normalize_words(text)[:MAX_QUERY_WORDS])
    best: dict[str, tuple[int, int]] = {}
    for heading in load_glossary():
        for raw in terms_for(heading):
            term = tuple(normalize_words(raw))
            size = len(" ".join(term))
            n = len(term)
            if term == query:
                rank = (3, size)
            elif term and any(query[i : i + n] == term for i in range(len(query) - n + 1)):
                rank = (2, size)
            elif any(len(q) >= 3 and t.startswith(q) for q in query for t in term):
                rank = (1, -size)
            else:
                continue
            if rank > best.get(heading, (0, 0)):
                best[heading] = rank
    return sorted(best, key=lambda h: (-best[h][0], -best[h][1], h))


def _glossary_words() -> list[str]:
    return sorted({w for h in load_glossary() for t in terms_for(h) for w in normalize_words(t)})


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(_glossary_words()), st.integers(min_value=1, max_value=12)),
        min_size=1,
        max_size=8,
    )
)
def test_index_agrees_with_a_scan_of_every_term(parts: list[tuple[str, int]]) -> None:
    text = " ".join(word[:cut] for word, cut in parts)
    assert headings_for(text) == _scan(text)


def test_only_the_first_words_count() -> None:
    filler = " ".join(["zzq"] * MAX_QUERY_WORDS)
    assert headings_for(filler + " cement") == []
    assert headings_for("cement " + filler)[0] == "2523"
