"""The admin token is compared in constant time, by ``hmac.compare_digest`` and nothing else.

A spy stands in for ``compare_digest`` inside market.auth: it records each call and returns what
the test decides. If the verdict followed the spy's answer and nothing else (no ``==``, no length
check first), the comparison really is compare_digest's. API keys never reach it: they are looked
up by digest (tests/integration/test_secrets_not_logged.py checks what is stored).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from market import auth
from market.errors import Unauthorized

__all__: list[str] = []

ADMIN_TOKEN = "admin-token-for-the-unit-test-0123456789"
REAL_COMPARE_DIGEST = hmac.compare_digest


@dataclass
class Spy:
    answer: bool | None = None
    """What the spy answers; None: whatever the real compare_digest says."""
    calls: list[tuple[Any, Any]] = field(default_factory=list)

    def __call__(self, a: Any, b: Any) -> bool:
        self.calls.append((a, b))
        return REAL_COMPARE_DIGEST(a, b) if self.answer is None else self.answer


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Spy]:
    found = Spy()
    monkeypatch.setattr(auth.hmac, "compare_digest", found)
    yield found


async def caller_for(token: str) -> auth.Caller:
    # No database: a token without the mk_ prefix is never looked up.
    return await auth.authenticate(f"Bearer {token}", pool=None, admin_token=ADMIN_TOKEN)  # type: ignore[arg-type]


async def test_the_right_token_is_admin_after_one_comparison_of_bytes(spy: Spy) -> None:
    caller = await caller_for(ADMIN_TOKEN)
    assert caller.is_admin
    assert spy.calls == [(ADMIN_TOKEN.encode(), ADMIN_TOKEN.encode())]


@pytest.mark.parametrize(
    "token",
    [
        ADMIN_TOKEN[:-1] + "x",  # same length, last character differs
        "x" + ADMIN_TOKEN[1:],  # same length, first character differs
        ADMIN_TOKEN + "x",  # longer
        ADMIN_TOKEN[:10],  # a prefix
        "a",
    ],
    ids=["last-char", "first-char", "longer", "prefix", "short"],
)
async def test_every_wrong_token_is_compared_the_same_way(spy: Spy, token: str) -> None:
    """No shortcut before compare_digest: a wrong length is compared too, not refused early."""
    with pytest.raises(Unauthorized):
        await caller_for(token)
    assert spy.calls == [(token.encode(), ADMIN_TOKEN.encode())]


async def test_the_verdict_is_compare_digests_alone(spy: Spy) -> None:
    """Were anything else deciding, these answers could not turn the verdicts around."""
    spy.answer = True
    assert (await caller_for("not-the-token")).is_admin
    spy.answer = False
    with pytest.raises(Unauthorized):
        await caller_for(ADMIN_TOKEN)


async def test_api_keys_are_never_compared_as_strings(spy: Spy) -> None:
    """A key (mk_...) is looked up by its SHA-256; without a database the lookup itself fails,
    and compare_digest was not asked."""
    with pytest.raises(AttributeError, match="fetchrow"):  # pool=None: the digest lookup was tried
        await caller_for("mk_" + "a" * 43)
    assert spy.calls == []


async def test_without_an_admin_token_nothing_is_admin(spy: Spy) -> None:
    with pytest.raises(Unauthorized):
        await auth.authenticate("Bearer anything", pool=None, admin_token=None)  # type: ignore[arg-type]
    with pytest.raises(Unauthorized):
        await auth.authenticate("Bearer ", pool=None, admin_token="")  # type: ignore[arg-type]
