"""IANA's special-purpose address blocks, as an explicit table the SSRF guard refuses.

Python's ``ipaddress.is_global`` (3.11) misses parts of these registries (``192.0.0.192`` is
inside 192.0.0.0/24, "globally reachable: False", yet ``is_global`` was True), so the guard does
not rely on it alone. Sources:

- IANA IPv4 Special-Purpose Address Registry,
  https://www.iana.org/assignments/iana-ipv4-special-registry/ (version updated 2020-09-04)
- IANA IPv6 Special-Purpose Address Registry,
  https://www.iana.org/assignments/iana-ipv6-special-registry/ (the 2024 version, which added
  3fff::/20 and 5f00::/16)

``reachable`` is the registry's "Globally Reachable" column (None where it says N/A). Every
block is refused, the globally reachable ones included: those are anycast protocol services
(PCP, TURN, DNS-SD, AMT), AS112 DNS sinks and identifier spaces (ORCHIDv2, DETs), never where a
webhook receiver lives. The exceptions are the three forms that carry an IPv4 address: IPv4-mapped
(``::ffff:0:0/96``) and NAT64 (``64:ff9b::/96``, how an IPv6-only host reaches an IPv4 receiver)
are judged by the address they carry; 6to4 (``2002::/16``) and Teredo (``2001::/32``) are
refused whole, being deprecated tunnels a receiver has no need of.
"""

from __future__ import annotations

import ipaddress
from typing import NamedTuple

__all__ = ["CARRIES_IPV4", "SPECIAL_BLOCKS", "SpecialBlock", "special_block"]


class SpecialBlock(NamedTuple):
    """One registry entry."""

    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    name: str
    reachable: bool | None


def _block(prefix: str, name: str, reachable: bool | None) -> SpecialBlock:
    return SpecialBlock(ipaddress.ip_network(prefix), name, reachable)


SPECIAL_BLOCKS: tuple[SpecialBlock, ...] = (
    # IPv4
    _block("0.0.0.0/8", '"this network"', False),
    _block("10.0.0.0/8", "private use", False),
    _block("100.64.0.0/10", "shared address space (carrier-grade NAT)", False),
    _block("127.0.0.0/8", "loopback", False),
    _block("169.254.0.0/16", "link local", False),
    _block("172.16.0.0/12", "private use", False),
    _block("192.0.0.0/24", "IETF protocol assignments", False),
    _block("192.0.0.0/29", "IPv4 service continuity prefix (DS-Lite)", False),
    _block("192.0.0.8/32", "IPv4 dummy address", False),
    _block("192.0.0.9/32", "Port Control Protocol anycast", True),
    _block("192.0.0.10/32", "TURN anycast", True),
    _block("192.0.0.170/32", "NAT64/DNS64 discovery", False),
    _block("192.0.0.171/32", "NAT64/DNS64 discovery", False),
    _block("192.0.2.0/24", "documentation (TEST-NET-1)", False),
    _block("192.31.196.0/24", "AS112-v4", True),
    _block("192.52.193.0/24", "AMT", True),
    _block("192.88.99.0/24", "deprecated 6to4 relay anycast", None),
    _block("192.168.0.0/16", "private use", False),
    _block("192.175.48.0/24", "direct delegation AS112 service", True),
    _block("198.18.0.0/15", "benchmarking", False),
    _block("198.51.100.0/24", "documentation (TEST-NET-2)", False),
    _block("203.0.113.0/24", "documentation (TEST-NET-3)", False),
    _block("240.0.0.0/4", "reserved", False),
    _block("255.255.255.255/32", "limited broadcast", False),
    # not in the special-purpose registry, but never a unicast receiver
    _block("224.0.0.0/4", "multicast", None),
    # IPv6
    _block("::1/128", "loopback", False),
    _block("::/128", "unspecified", False),
    _block("::/96", "IPv4-compatible (deprecated by RFC 4291)", None),
    _block("::ffff:0:0/96", "IPv4-mapped", False),
    _block("64:ff9b::/96", "IPv4-IPv6 translation (NAT64)", True),
    _block("64:ff9b:1::/48", "local-use IPv4/IPv6 translation", False),
    _block("100::/64", "discard-only", False),
    _block("2001::/23", "IETF protocol assignments", False),
    _block("2001::/32", "Teredo", None),
    _block("2001:1::1/128", "Port Control Protocol anycast", True),
    _block("2001:1::2/128", "TURN anycast", True),
    _block("2001:1::3/128", "DNS-SD service registration protocol anycast", True),
    _block("2001:2::/48", "benchmarking", False),
    _block("2001:3::/32", "AMT", True),
    _block("2001:4:112::/48", "AS112-v6", True),
    _block("2001:10::/28", "deprecated ORCHID", False),
    _block("2001:20::/28", "ORCHIDv2", True),
    _block("2001:30::/28", "drone remote ID (DET)", True),
    _block("2001:db8::/32", "documentation", False),
    _block("2002::/16", "6to4", None),
    _block("2620:4f:8000::/48", "direct delegation AS112 service", True),
    _block("3fff::/20", "documentation", False),
    _block("5f00::/16", "segment routing (SRv6) SIDs", False),
    _block("fc00::/7", "unique local", False),
    _block("fe80::/10", "link-local unicast", False),
    _block("ff00::/8", "multicast", None),
    # IANA IPv6 Address Space: only 2000::/3 is allocated for global unicast
    _block("::/3", "not global unicast (outside 2000::/3)", None),
    _block("4000::/2", "not global unicast (outside 2000::/3)", None),
    _block("8000::/1", "not global unicast (outside 2000::/3)", None),
)

CARRIES_IPV4 = (ipaddress.ip_network("::ffff:0:0/96"), ipaddress.ip_network("64:ff9b::/96"))
"""Blocks judged by the IPv4 address they carry rather than refused whole."""


def special_block(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> SpecialBlock | None:
    """The most specific special-purpose block holding ``ip`` (None: an ordinary address)."""
    holding = [b for b in SPECIAL_BLOCKS if b.network.version == ip.version and ip in b.network]
    return max(holding, key=lambda b: b.network.prefixlen, default=None)
