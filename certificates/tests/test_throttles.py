"""Throttling public checks in Redis per client address and per certificate number (R-CRT-2)."""

from unittest import mock

from django.test import override_settings

from certificates.throttles import check_failed, check_throttle


@override_settings(CERTIFICATE_CHECK_LIMIT_PER_ADDRESS=(3, 60))
def test_r_crt_2_an_address_is_throttled_after_its_limit():
    outcomes = [check_throttle(client_address="192.0.2.7") for _ in range(4)]

    assert outcomes[:3] == [None, None, None]
    assert outcomes[3].scope == "address"
    assert "Try again in 1 minute" in outcomes[3].message
    assert check_throttle(client_address="192.0.2.8") is None


@override_settings(CERTIFICATE_CHECK_LIMIT_PER_NUMBER_TOTAL=(2, 600))
def test_r_crt_2_a_number_is_throttled_after_failed_checks_from_many_networks_in_total():
    for index in range(2):
        assert check_throttle(client_address=f"192.0.2.{index}", number="ABCDE12345") is None
        check_failed(number="ABCDE12345", client_address=f"192.0.2.{index}")

    throttled = check_throttle(client_address="198.51.100.1", number="ABCDE12345")

    assert throttled.scope == "number_total"
    assert "resume in 10 minutes" in throttled.message
    assert "scan its QR code" in throttled.message


@override_settings(
    CERTIFICATE_CHECK_LIMIT_PER_NUMBER=(2, 600), CERTIFICATE_CHECK_LIMIT_PER_NUMBER_TOTAL=(9, 600)
)
def test_r_crt_2_one_networks_failed_checks_throttle_that_network_only():
    for _ in range(2):
        check_failed(number="ABCDE12345", client_address="192.0.2.7")

    guesser = check_throttle(client_address="192.0.2.7", number="ABCDE12345")
    employer = check_throttle(client_address="198.51.100.1", number="ABCDE12345")

    assert guesser.scope == "number"
    assert "from your network" in guesser.message and "scan its QR code" in guesser.message
    assert employer is None


@override_settings(CERTIFICATE_CHECK_LIMIT_PER_NUMBER=(2, 600))
def test_r_crt_2_an_ipv6_guesser_cannot_escape_the_network_limit_by_changing_address():
    check_failed(number="ABCDE12345", client_address="2001:db8:1:2::1")
    check_failed(number="ABCDE12345", client_address="2001:db8:1:2::99")

    throttled = check_throttle(client_address="2001:db8:1:2::abcd", number="ABCDE12345")

    assert throttled.scope == "number"


@override_settings(CERTIFICATE_CHECK_LIMIT_PER_ADDRESS=(2, 600))
def test_r_crt_2_checks_by_name_and_number_never_count_against_the_qr_link():
    for _ in range(3):
        check_throttle(client_address="192.0.2.7", number="ABCDE12345")

    assert check_throttle(client_address="192.0.2.7", number="ABCDE12345").scope == "address"
    assert check_throttle(client_address="192.0.2.7", by_token=True) is None


def test_when_redis_cannot_be_reached_the_check_goes_ahead():
    with mock.patch("certificates.throttles._count_all", side_effect=ConnectionError("down")):
        assert check_throttle(client_address="192.0.2.7", number="ABCDE12345") is None


@override_settings(CERTIFICATE_CHECK_LIMIT_PER_NUMBER=(2, 600))
def test_r_crt_2_successful_checks_never_count_against_a_number():
    for index in range(20):
        assert check_throttle(client_address=f"192.0.2.{index}", number="ABCDE12345") is None
