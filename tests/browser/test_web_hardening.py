"""Small web-tier holes found from outside (issue 15), each with the request that showed it."""

from __future__ import annotations

import re

import pytest


def _token(client, path="/diagnose") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("sent", ["令牌", "tökén"])
def test_a_non_ascii_csrf_token_is_refused_with_400_not_500(client, sent):
    _token(client)
    response = client.post("/diagnose", data={"csrf_token": sent, "example": "x.json"})
    assert response.status_code == 400
    undecodable = client.post("/diagnose", data=b"csrf_token=%FF%FE&example=x.json",
                              content_type="application/x-www-form-urlencoded")
    assert undecodable.status_code == 400
    header = client.post("/diagnose", data={"example": "x.json"}, headers={"X-CSRF-Token": "ключ"})
    assert header.status_code == 400


def test_a_non_ascii_report_signature_is_refused_with_400_not_500(client):
    token = _token(client)
    response = client.post("/diagnose/export", data={"csrf_token": token, "format": "json", "result": "{}",
                                                      "signature": "签名"})
    assert response.status_code == 400


def test_the_session_cookie_is_samesite_lax_and_httponly(client):
    response = client.get("/diagnose")
    cookie = response.headers.get("Set-Cookie", "")
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie


def test_pages_with_a_csrf_token_are_not_cached(client):
    with_token = client.get("/diagnose")
    assert 'name="csrf_token"' in with_token.get_data(as_text=True)
    assert "no-store" in with_token.headers.get("Cache-Control", "")
    without = client.get("/diagnose.json")
    assert "no-store" not in without.headers.get("Cache-Control", "")


def test_head_sparql_answers_like_get_without_a_body(client):
    head = client.head("/sparql")
    assert head.status_code == 200 and head.get_data() == b""
    query = client.head("/sparql?query=ASK%20%7B%7D", headers={"Accept": "application/sparql-results+json"})
    assert query.status_code == 200 and query.get_data() == b""
    assert query.headers["Content-Type"].startswith("application/sparql-results+json")
