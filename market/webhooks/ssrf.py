"""The SSRF guard: which webhook URLs and addresses may be called.

Checked at registration and again at every delivery. A name is resolved, every address it
resolves to is checked, and the connection goes to one of those checked addresses
(``PinnedResolver``), so a DNS answer that changes between the check and the connect (DNS
rebinding) cannot point a delivery at an internal service.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from market.webhooks.special_addresses import CARRIES_IPV4, special_block

__all__ = [
    "IPAddress",
    "PinnedResolver",
    "UnsafeUrl",
    "WebhookTarget",
    "address_problem",
    "check_url",
    "delivery_session",
    "resolve_checked",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_LENGTH = 2048
RESOLVE_TIMEOUT = 5.0
USER_AGENT = "market-webhooks/1"
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known NAT64 prefix (RFC 6052)
# Labels that are all digits or 0x-hex: inet_aton() reads "2130706433", "0x7f.1" or "0177.0.0.1"
# as 127.0.0.1. No real host name looks like that, so such hosts are refused outright.
NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+))*\.?$", re.IGNORECASE)
HOST_NAME = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$", re.IGNORECASE)


class UnsafeUrl(ValueError):
    """A webhook URL (or an address it resolves to) that may not be called; the message says why."""


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    """A URL that passed the static checks: its host (a name or an IP literal) and port."""

    url: URL
    host: str
    port: int
    literal: IPAddress | None


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped or NAT64 IPv6 address (6to4 and Teredo are refused
    whole by the special-purpose table)."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_problem(ip: IPAddress, *, allow_loopback: bool = False) -> str | None:
    """Why ``ip`` may not receive webhooks, or None when it is a public unicast address."""
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        problem = address_problem(embedded, allow_loopback=allow_loopback)
        return f"{problem} (embedded in {ip})" if problem else None
    if ip.is_loopback:
        return None if allow_loopback else "a loopback address"
    block = special_block(ip)
    if block is not None and block.network not in CARRIES_IPV4:
        return f"a special-purpose address ({block.name}, {block.network})"
    # The table is the whole rule: is_global and friends differ between Python versions.
    return None


def check_url(url: str, *, allow_loopback: bool = False) -> WebhookTarget:
    """The static checks: https (http only with ``allow_loopback``), a plain host, no userinfo.

    An IP literal is checked here; a host name is checked when it is resolved.
    """
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl(f"use at most {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 0x20 for ch in url):
        raise UnsafeUrl("a URL cannot contain spaces or control characters")
    try:
        parsed = URL(url)
        netloc = urlsplit(url).netloc
    except ValueError as exc:
        raise UnsafeUrl(f"not a valid URL: {exc}") from None
    allowed = ("https", "http") if allow_loopback else ("https",)
    if parsed.scheme not in allowed:
        raise UnsafeUrl("use an https:// URL")
    if not parsed.is_absolute() or not parsed.raw_host:
        raise UnsafeUrl("the URL needs a host, as in https://example.com/webhooks")
    if "@" in netloc or "@" in (parsed.raw_authority or ""):
        raise UnsafeUrl("credentials in the URL (user@host) are not accepted; the signature authenticates us")
    if parsed.fragment:
        raise UnsafeUrl("remove the #fragment: it is never sent to a server")
    host = parsed.raw_host
    port = parsed.port
    if not port:
        raise UnsafeUrl("port 0 cannot be called")
    literal: IPAddress | None = None
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        if NUMERIC_HOST.match(host):
            raise UnsafeUrl("write an IP address in dotted-decimal form, or use a host name") from None
        if not HOST_NAME.match(host):
            raise UnsafeUrl(f"'{host}' is not a valid host name") from None
    if isinstance(literal, ipaddress.IPv6Address) and literal.scope_id:
        raise UnsafeUrl("IPv6 zone identifiers are not accepted")
    if literal is not None:
        problem = address_problem(literal, allow_loopback=allow_loopback)
        if problem:
            raise UnsafeUrl(f"{host} is {problem}; webhooks go to public addresses only")
    loopback = (literal is not None and literal.is_loopback) or host.rstrip(".").lower() == "localhost"
    if parsed.scheme == "http" and not loopback:
        raise UnsafeUrl("use an https:// URL (http:// is accepted for loopback receivers only)")
    return WebhookTarget(url=parsed, host=host, port=port, literal=literal)


async def resolve_checked(
    host: str, port: int, *, allow_loopback: bool = False, family: int = socket.AF_UNSPEC
) -> list[ResolveResult]:
    """Resolve ``host`` and check every address; refuse the name if any address is not public.

    One bad address refuses the lot: a name that resolves to both a public and an internal
    address is an attack, or a mistake worth hearing about.
    """
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, family=family), RESOLVE_TIMEOUT
        )
    except (OSError, TimeoutError) as exc:
        raise UnsafeUrl(f"the host '{host}' does not resolve ({exc})") from None
    results: list[ResolveResult] = []
    for info_family, _, proto, _, sockaddr in infos:
        ip = ipaddress.ip_address(sockaddr[0])
        problem = address_problem(ip, allow_loopback=allow_loopback)
        if problem:
            raise UnsafeUrl(f"'{host}' resolves to {ip}, {problem}; webhooks go to public addresses only")
        results.append(
            ResolveResult(
                hostname=host,
                host=str(ip),
                port=port,
                family=info_family,
                proto=proto,
                flags=socket.AI_NUMERICHOST,
            )
        )
    if not results:
        raise UnsafeUrl(f"the host '{host}' has no addresses")
    return results


class PinnedResolver(AbstractResolver):
    """aiohttp's resolver for deliveries: only addresses that passed ``address_problem``.

    aiohttp connects to exactly the addresses a resolver returns, so the checked answer is the
    one used. (IP-literal URLs skip the resolver; ``check_url`` covers those.)
    """

    def __init__(self, *, allow_loopback: bool = False) -> None:
        self.allow_loopback = allow_loopback

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        try:
            return await resolve_checked(host, port, allow_loopback=self.allow_loopback, family=family)
        except UnsafeUrl as exc:  # aiohttp reports an OSError's strerror as the connect failure
            raise OSError(errno.EPERM, str(exc)) from None

    async def close(self) -> None:
        return None


def delivery_session(*, allow_loopback: bool, timeout: float, limit: int = 16) -> aiohttp.ClientSession:
    """The HTTP client for deliveries: it connects only to addresses the SSRF guard checked,
    keeps no cookies, uses no proxy from the environment and gives each request ``timeout``."""
    connector = aiohttp.TCPConnector(
        resolver=PinnedResolver(allow_loopback=allow_loopback), use_dns_cache=False, limit=limit
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=timeout),
        cookie_jar=aiohttp.DummyCookieJar(),
        headers={"User-Agent": USER_AGENT},
        trust_env=False,
    )
