"""The client's address behind trusted reverse proxies, and the unit throttles count by."""

import pytest
from django.test import RequestFactory

from awards_portal.client_address import address_throttle_key, client_ip_from_request


@pytest.fixture
def request_from():
    def make(remote: str, forwarded: str | None = None):
        headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
        return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)

    return make


def test_without_proxies_the_connection_address_is_the_client(settings, request_from):
    settings.TRUSTED_PROXY_COUNT = 0
    request = request_from("198.51.100.20", forwarded="203.0.113.5")
    assert client_ip_from_request(request) == "198.51.100.20"


def test_behind_one_proxy_the_last_forwarded_address_is_the_client(settings, request_from):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client forged the first entry; the proxy appended the address it really saw.
    request = request_from("10.0.0.2", forwarded="1.2.3.4, 203.0.113.5")
    assert client_ip_from_request(request) == "203.0.113.5"


def test_a_forged_or_missing_forwarded_header_falls_back_safely(settings, request_from):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip_from_request(request_from("10.0.0.2", forwarded="not-an-ip")) == "10.0.0.2"
    assert client_ip_from_request(request_from("10.0.0.2")) == "10.0.0.2"


def test_ipv6_addresses_are_throttled_by_their_64_network():
    assert address_throttle_key("2001:db8:1:2::a") == address_throttle_key("2001:db8:1:2:ffff::1")
    assert address_throttle_key("2001:db8:1:2::a") != address_throttle_key("2001:db8:1:3::a")
    assert address_throttle_key("198.51.100.7") == "198.51.100.7"
