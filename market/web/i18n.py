"""The web pages' languages: which one a request gets, its catalog, and locale formats.

English is the source language of every string (``_("...")`` in templates and code); Russian and
Uzbek (Latin) come from gettext catalogs under ``market/web/locales`` (``make messages`` extracts
and merges them with Babel). The ``.po`` files are compiled in memory at first use, so there is
no build step and nothing generated to commit.

A request's language is, in order: ``?lang=`` in the URL (which the page then keeps in a
cookie), the cookie, the browser's ``Accept-Language``, English.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from importlib import resources

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import NumberPattern, format_currency, parse_pattern
from babel.support import NullTranslations, Translations
from jinja2 import pass_context
from jinja2.runtime import Context

__all__ = [
    "DEFAULT",
    "LANGUAGES",
    "LANGUAGE_COOKIE",
    "catalog",
    "country_name",
    "format_money",
    "format_number",
    "format_when",
    "from_accept_language",
    "gettext",
    "language_of",
    "ngettext",
]

LANGUAGES = {"en": "English", "ru": "Русский", "uz": "Oʻzbekcha"}
"""The shipped languages, each named in itself (the switcher shows them so)."""
DEFAULT = "en"
LANGUAGE_COOKIE = "market_lang"
_MAX_ACCEPT_ITEMS = 20


@cache
def catalog(language: str) -> NullTranslations:
    """The compiled catalog of a shipped language (English: the strings as written)."""
    if language == DEFAULT:
        return NullTranslations()
    source = resources.files("market.web") / "locales" / language / "LC_MESSAGES" / "messages.po"
    with source.open("rb") as fh:
        messages = read_po(fh, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, messages)
    compiled.seek(0)
    return Translations(compiled)


def from_accept_language(header: str | None) -> str | None:
    """The shipped language the browser prefers most (``ru-RU,ru;q=0.9,en;q=0.5`` -> ``ru``)."""
    ranked: list[tuple[float, int, str]] = []
    for i, item in enumerate((header or "").split(",")[:_MAX_ACCEPT_ITEMS]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        base = tag.strip().lower().split("-")[0]
        if base in LANGUAGES and quality > 0:
            ranked.append((-quality, i, base))
    return min(ranked)[2] if ranked else None


def language_of(query: Mapping[str, str], cookies: Mapping[str, str], accept_language: str | None) -> str:
    """The language a request gets: ``?lang=``, the cookie, ``Accept-Language``, English."""
    for given in (query.get("lang"), cookies.get(LANGUAGE_COOKIE)):
        if given in LANGUAGES:
            return given
    return from_accept_language(accept_language) or DEFAULT


def _language(context: Context) -> str:
    language = context.get("lang")
    return language if isinstance(language, str) and language in LANGUAGES else DEFAULT


@pass_context
def gettext(context: Context, message: str) -> str:
    """``_()`` in templates: the message in the page's language (Jinja formats and escapes it)."""
    return catalog(_language(context)).gettext(message)


@pass_context
def ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return catalog(_language(context)).ngettext(singular, plural, n)


@cache
def _locale(language: str) -> Locale:
    return Locale.parse("uz_Latn" if language == "uz" else language)


@cache
def _number_pattern(digits: int) -> NumberPattern:
    return parse_pattern(f"#,##0.{'#' * digits}" if digits else "#,##0")


@lru_cache(maxsize=4096)
def format_number(value: float | int | Decimal, language: str, *, digits: int = 2) -> str:
    """1234567.5 -> "1,234,567.5" (en), "1 234 567,5" (ru, uz). Kept: a page shows the same counts
    and amounts again and again, and each costs Babel about 20 µs."""
    return _number_pattern(digits).apply(Decimal(str(value)), _locale(language))


def format_money(amount: float | int | Decimal | str, currency: str, language: str) -> str:
    """An amount in its currency as the language writes it: "$1,250.00", "1 250,00 $"."""
    return format_currency(Decimal(str(amount)), currency, locale=_locale(language))


def format_when(value: date | datetime, language: str) -> str:
    """The day of a date or a moment (UTC) in the language's medium form: "Dec 4, 2026", "4 дек. 2026 г."."""
    day = value.astimezone(UTC).date() if isinstance(value, datetime) else value
    return _format_day(day, language)


@lru_cache(maxsize=2048)
def _format_day(day: date, language: str) -> str:
    return format_date(day, "medium", locale=_locale(language))


def country_name(code: str, language: str) -> str:
    """A country's name in the page's language (CLDR, through Babel): KZ -> "Kazakhstan", "Казахстан"."""
    return _locale(language).territories.get(code, code)
