"""core.security.request_client_address: X-Forwarded-For is believed only from trusted proxies."""
from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from config.settings.base import env_networks
from core.security import request_client_address


def address(remote: str, forwarded: str | None = None) -> str | None:
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return request_client_address(meta)


def test_without_trusted_proxies_the_header_is_ignored():
    assert address("198.51.100.1", "203.0.113.9") == "198.51.100.1"


@override_settings(TRUSTED_PROXIES=["10.0.0.1"])
def test_a_trusted_proxy_vouches_for_the_hop_it_added():
    assert address("10.0.0.1", "203.0.113.9") == "203.0.113.9"


@override_settings(TRUSTED_PROXIES=["10.0.0.1"])
def test_what_a_client_prepends_to_the_header_is_not_believed():
    assert address("10.0.0.1", "1.1.1.1, 203.0.113.9") == "203.0.113.9"


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8", "fd00::/8"])
def test_a_chain_of_trusted_proxies_is_walked_to_the_first_untrusted_hop():
    assert address("10.0.0.1", "1.1.1.1, 203.0.113.9, fd00::2, 10.1.1.1") == "203.0.113.9"


@override_settings(TRUSTED_PROXIES=["10.0.0.1"])
def test_the_header_from_an_untrusted_peer_is_ignored():
    assert address("198.51.100.1", "203.0.113.9") == "198.51.100.1"


@override_settings(TRUSTED_PROXIES=["10.0.0.1"])
@pytest.mark.parametrize("forwarded", ["not-an-ip", "203.0.113.9:443", "", " , "])
def test_a_malformed_hop_ends_at_the_last_proxy_that_can_be_vouched_for(forwarded):
    assert address("10.0.0.1", forwarded) == "10.0.0.1"


def test_a_bad_trusted_proxies_setting_stops_start_up(monkeypatch):
    monkeypatch.setenv("DJANGO_TRUSTED_PROXIES", "10.0.0.1,proxy.local")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_TRUSTED_PROXIES"):
        env_networks("DJANGO_TRUSTED_PROXIES")
