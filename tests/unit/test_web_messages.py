"""Every string a web page shows has a translation in every shipped language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from market.web.i18n import DEFAULT, LANGUAGES, catalog

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def source_messages() -> set[str]:
    """What `make messages` extracts: the same mapping file and keywords."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    found = extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords)
    return {message if isinstance(message, str) else message[0] for _, _, message, _, _ in found}


def test_the_pages_have_strings_to_translate() -> None:
    messages = source_messages()
    assert len(messages) > 100
    assert "Search" in messages and "Export offer" in messages  # a template's and the labels'


@pytest.mark.parametrize("language", sorted(set(LANGUAGES) - {DEFAULT}))
def test_every_message_is_translated(language: str) -> None:
    path = ROOT / "market" / "web" / "locales" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        translated = {m.id: m for m in read_po(fh, locale=language) if m.id}
    untranslated = sorted(
        message
        for message in source_messages()
        if message not in translated or not translated[message].string or translated[message].fuzzy
    )
    assert not untranslated, f"{language}: {len(untranslated)} without a translation: {untranslated[:10]}"
    for message, entry in translated.items():  # a translation keeps every placeholder
        assert isinstance(message, str)
        assert sorted(PLACEHOLDER.findall(message)) == sorted(PLACEHOLDER.findall(str(entry.string))), message


def test_catalogs_load_and_translate() -> None:
    assert catalog("ru").gettext("Sign in") == "Войти"
    assert catalog("uz").gettext("Sign in") == "Kirish"
    assert catalog(DEFAULT).gettext("Sign in") == "Sign in"
