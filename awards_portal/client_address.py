"""Where a request really came from, behind the reverse proxies the deployment says it has."""

import functools
import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip_from_request(request: HttpRequest) -> str | None:
    """The client's address. With TRUSTED_PROXY_COUNT proxies in front of the portal, each one
    appends the address it saw to X-Forwarded-For, so the client is that many entries from the
    right; anything further left was written by the client and cannot be trusted."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
            if _is_ip(candidate):
                return candidate
    remote = request.META.get("REMOTE_ADDR") or None
    return remote if remote and _is_ip(remote) else None


# Both are asked for the same few addresses over and over (every request, every public check);
# parsing an address costs more than the lookup. Bounded, whatever clients send.
@functools.lru_cache(maxsize=4096)
def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=4096)
def address_throttle_key(ip: str) -> str:
    """The unit a throttle counts: one IPv4 address, or one IPv6 /64 (what one household or
    office network gets, so rotating addresses within it does not escape the limit)."""
    address = ipaddress.ip_address(ip)
    if address.version == 6:
        network = ipaddress.ip_network(f"{address}/64", strict=False)
        return str(network.network_address) + "/64"
    return str(address)
