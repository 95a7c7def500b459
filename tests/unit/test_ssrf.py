"""The SSRF guard: what a webhook URL may be, and which addresses may receive deliveries."""

from __future__ import annotations

import ipaddress
import socket

import aiohttp
import pytest
from aiohttp import web
from hypothesis import assume, given
from hypothesis import strategies as st

from market.webhooks.special_addresses import CARRIES_IPV4, SPECIAL_BLOCKS, SpecialBlock, special_block
from market.webhooks.ssrf import (
    IPAddress,
    PinnedResolver,
    UnsafeUrl,
    address_problem,
    check_url,
    delivery_session,
    resolve_checked,
)

FORBIDDEN = [
    "10.0.0.1",
    "10.255.255.254",
    "172.16.0.1",
    "172.31.255.1",
    "192.168.1.10",
    "127.0.0.1",
    "127.8.9.10",
    "0.0.0.0",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # carrier-grade NAT
    "100.127.255.254",
    "224.0.0.1",
    "239.255.255.250",
    "255.255.255.255",
    "240.0.0.1",
    "192.0.2.1",  # documentation
    "198.18.0.1",  # benchmarking
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "2001:db8::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",  # IPv4-compatible (deprecated)
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a00:1::",  # 6to4 of 10.0.0.1
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "64:ff9b:1::a00:1",  # local-use NAT64
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "185.22.64.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]


@pytest.mark.parametrize("address", FORBIDDEN)
def test_internal_and_special_addresses_are_refused(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is not None
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(UnsafeUrl):
        check_url(f"https://{host}/hook")


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_accepted(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None
    host = f"[{address}]" if ":" in address else address
    assert check_url(f"https://{host}:8443/hook").port == 8443


@pytest.mark.parametrize(
    "url",
    [
        "https://2130706433/",  # 127.0.0.1 as one decimal number
        "https://0x7f000001/",
        "https://0x7f.1/",
        "https://0177.0.0.1/",  # octal
        "https://127.1/",
        "https://0/",
        "https://10.1/",
    ],
)
def test_numeric_host_tricks_are_refused(url: str) -> None:
    with pytest.raises(UnsafeUrl, match="dotted-decimal"):
        check_url(url)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://example.com/hook", "https"),
        ("ftp://example.com/hook", "https"),
        ("file:///etc/passwd", "https"),
        ("gopher://example.com/", "https"),
        ("https://user:password@example.com/hook", "credentials"),
        ("https://user@example.com/hook", "credentials"),
        ("https://@example.com/hook", "credentials"),
        ("https://evil.example@10.0.0.1/hook", "credentials"),
        ("https://example.com\\@10.0.0.1/", "not a valid URL"),
        ("https:///hook", "host"),
        ("/relative/hook", "https"),
        ("https://exa mple.com/", "spaces"),
        ("https://example.com/\r\nX-Injected: 1", "control"),
        ("https://bad_host!.com/", "host name"),
        ("https://[fe80::1%25eth0]/hook", "zone"),
        ("https://example.com:0/hook", "port"),
        ("https://example.com/hook#part", "fragment"),
        ("https://example.com/" + "a" * 2100, "2048"),
    ],
)
def test_malformed_or_risky_urls_are_refused(url: str, reason: str) -> None:
    with pytest.raises(UnsafeUrl, match=reason):
        check_url(url)


def test_names_pass_the_static_check_and_are_checked_when_resolved() -> None:
    target = check_url("https://hooks.example.kz/market?source=market")
    assert (target.host, target.port, target.literal) == ("hooks.example.kz", 443, None)
    assert check_url("https://пример.рф/hook").host == "xn--e1afmkfd.xn--p1ai"


def test_the_dev_setting_allows_loopback_and_http_to_it_only() -> None:
    assert check_url("http://127.0.0.1:8080/hook", allow_loopback=True).port == 8080
    assert check_url("http://[::1]:8080/hook", allow_loopback=True).literal == ipaddress.ip_address("::1")
    assert check_url("http://localhost:8080/hook", allow_loopback=True).host == "localhost"
    assert check_url("https://127.0.0.2/hook", allow_loopback=True)
    for url in (
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "https://192.168.0.1/hook",
        "https://[fe80::1]/hook",
        "http://example.com/hook",  # plain http only to loopback
        "https://0x7f.1/",
    ):
        with pytest.raises(UnsafeUrl):
            check_url(url, allow_loopback=True)
    with pytest.raises(UnsafeUrl):
        check_url("http://127.0.0.1:8080/hook")  # not in prod


async def test_names_that_resolve_to_loopback_are_refused_unless_allowed() -> None:
    with pytest.raises(UnsafeUrl, match="loopback"):
        await resolve_checked("localhost", 443)
    results = await resolve_checked("localhost", 443, allow_loopback=True)
    assert results and all(ipaddress.ip_address(r["host"]).is_loopback for r in results)
    assert {r["port"] for r in results} == {443}


async def test_unresolvable_names_are_refused() -> None:
    with pytest.raises(UnsafeUrl, match="does not resolve"):
        await resolve_checked("no-such-host.invalid", 443)


async def test_the_delivery_resolver_returns_only_checked_addresses() -> None:
    resolver = PinnedResolver()
    with pytest.raises(OSError, match="loopback"):
        await resolver.resolve("localhost", 443, family=socket.AF_UNSPEC)
    allowed = await PinnedResolver(allow_loopback=True).resolve("localhost", 443, family=socket.AF_UNSPEC)
    assert allowed and all(ipaddress.ip_address(r["host"]).is_loopback for r in allowed)
    await resolver.close()


async def test_the_delivery_client_never_connects_to_a_refused_name() -> None:
    """A live server on loopback: reachable by name only when loopback is allowed."""

    async def accept(_request: web.Request) -> web.Response:
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", accept)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with delivery_session(allow_loopback=False, timeout=5) as session:
            with pytest.raises(aiohttp.ClientConnectorError, match="loopback"):
                await session.post(f"http://localhost:{port}/hook")
        async with delivery_session(allow_loopback=True, timeout=5) as session:
            async with session.post(f"http://localhost:{port}/hook") as response:
                assert response.status == 204
    finally:
        await runner.cleanup()


def _first_middle_last(block: SpecialBlock) -> list[IPAddress]:
    net = block.network
    return [net[0], net[net.num_addresses // 2], net[-1]]


def _ipv6_forms(ip: ipaddress.IPv4Address) -> list[ipaddress.IPv6Address]:
    """IPv4-mapped, IPv4-compatible and NAT64 spellings of an IPv4 address."""
    return [
        ipaddress.IPv6Address(f"::ffff:{ip}"),
        ipaddress.IPv6Address(int(ip)),
        ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | int(ip)),
    ]


REFUSED_WHOLE = [b for b in SPECIAL_BLOCKS if b.network not in CARRIES_IPV4]


@pytest.mark.parametrize("block", REFUSED_WHOLE, ids=lambda b: str(b.network))
def test_every_special_purpose_block_is_refused_first_middle_and_last(block: SpecialBlock) -> None:
    for ip in _first_middle_last(block):
        if ip.is_loopback:
            continue  # loopback has its own setting, tested above
        assert address_problem(ip) is not None, f"{ip} in {block.network} ({block.name})"


@pytest.mark.parametrize(
    "block", [b for b in REFUSED_WHOLE if b.network.version == 4], ids=lambda b: str(b.network)
)
def test_every_ipv4_block_is_refused_in_its_ipv6_forms(block: SpecialBlock) -> None:
    for ip in _first_middle_last(block):
        assert isinstance(ip, ipaddress.IPv4Address)
        for form in _ipv6_forms(ip):
            assert address_problem(form) is not None, f"{form} ({ip} in {block.network})"


def test_the_reported_gap_is_closed() -> None:
    assert address_problem(ipaddress.ip_address("192.0.0.192")) is not None
    with pytest.raises(UnsafeUrl):
        check_url("https://192.0.0.192/hook")


def _inside(block: SpecialBlock) -> st.SearchStrategy[IPAddress]:
    net = block.network
    return st.integers(0, net.num_addresses - 1).map(lambda n: net[n])


@given(st.sampled_from(REFUSED_WHOLE).flatmap(_inside))
def test_any_address_inside_a_listed_block_is_refused(ip: IPAddress) -> None:
    assert address_problem(ip, allow_loopback=False) is not None


def _outside_every_block(ip: IPAddress) -> bool:
    return special_block(ip) is None


@given(
    st.one_of(
        st.ip_addresses(v=4),
        st.ip_addresses(v=6),
        st.ip_addresses(v=4).map(lambda ip: ipaddress.IPv6Address(f"::ffff:{ip}")),
        st.ip_addresses(v=4).map(lambda ip: ipaddress.IPv6Address(f"64:ff9b::{ip}")),
    )
)
def test_an_address_outside_every_block_is_allowed(ip: IPAddress) -> None:
    embedded = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    if isinstance(ip, ipaddress.IPv6Address) and ip in CARRIES_IPV4[1]:
        embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    judged = embedded or ip
    assume(_outside_every_block(judged) and (embedded is not None or _outside_every_block(ip)))
    assert address_problem(ip) is None, ip
