"""Every URL of the project: anonymous visitors are sent to sign in (unless the page
is public), and a shop user handing another shop's ids gets 404, never data."""

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.urlwalk import OBJECT_IDS, OTHER_KWARGS, OWN_LOGIN, PUBLIC, pattern_kwargs, url_patterns

pytestmark = pytest.mark.django_db(databases=["default", "platform"])
LOGIN = "/accounts/login/"


def _url(name: str, kwargs: dict) -> str:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch as exc:  # pragma: no cover - a broken registry entry
        pytest.fail(f"cannot build {name} with {kwargs}: {exc}")


def _kwargs_for(pattern, shop, namespace: str = "") -> dict:  # noqa: ANN001
    kwargs = {}
    for kwarg in pattern_kwargs(pattern):
        if kwarg in OBJECT_IDS:
            kwargs[kwarg] = OBJECT_IDS[kwarg](shop)
        elif kwarg in OTHER_KWARGS:
            kwargs[kwarg] = OTHER_KWARGS[kwarg]
        elif namespace.split(":")[0] in OWN_LOGIN:
            kwargs[kwarg] = "1"  # behind its own login; only the redirect is checked
        else:
            pytest.fail(f"URL kwarg {kwarg!r} is not in tests/urlwalk.py OBJECT_IDS")
    return kwargs


def test_every_url_sends_anonymous_visitors_to_sign_in(shop_a) -> None:
    client = Client()
    problems = []
    for name, namespace, pattern in url_patterns():
        url = _url(name, _kwargs_for(pattern, shop_a, namespace))
        top = namespace.split(":")[0]
        response = client.get(url)
        if name in PUBLIC:
            if response.status_code >= 500 and name != "health-ready":
                problems.append(f"{name} {url}: {response.status_code}")
            continue
        login = OWN_LOGIN.get(top, LOGIN)
        if response.status_code == 405:  # POST-only: the POST must be refused too
            response = client.post(url)
        location = response.get("Location", "")
        if response.status_code != 302 or not location.startswith(login):
            problems.append(f"{name} {url}: {response.status_code} {location}")
    assert problems == []


def test_other_shops_ids_are_404_for_a_signed_in_user(shop_a, shop_b) -> None:
    client = Client()
    client.force_login(shop_a.owner)
    checked, problems = 0, []
    for name, namespace, pattern in url_patterns():
        kwargs = pattern_kwargs(pattern)
        if namespace.split(":")[0] in OWN_LOGIN or not any(k in OBJECT_IDS for k in kwargs):
            continue
        own = _url(name, _kwargs_for(pattern, shop_a))
        theirs = _url(name, _kwargs_for(pattern, shop_b))
        own_status = client.get(own).status_code
        if own_status == 405:
            method = "post"
        else:
            method = "get"
            if own_status >= 400:
                problems.append(f"{name}: own object gave {own_status}, the walk proves nothing")
        status = getattr(client, method)(theirs).status_code
        if status != 404:
            problems.append(f"{name} {theirs}: {status}, expected 404")
        checked += 1
    assert checked >= 3
    assert problems == []
