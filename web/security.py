"""Security that belongs to the web tier: response headers (CSP and friends), CSRF tokens, the session key.

CSRF: a random token per browser session (signed session cookie), put in every form as a hidden field
`csrf_token` and checked on every unsafe request that a cross-site page could forge without CORS, i.e.
form-encoded, multipart and text/plain bodies. Requests with other content types (JSON, a raw upload)
cannot be sent cross-site without a preflight, so scripts may POST those without a token.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, current_app, g, request, session

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_FORGEABLE = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")


def init_app(app: Flask) -> None:
    settings = app.config["CPKB"]
    if not app.config.get("SECRET_KEY"):
        # A per-process key is safe but logs users' forms out on restart and differs between processes:
        # set `secret_key` when running several worker processes.
        app.config["SECRET_KEY"] = settings.get("secret_key") or secrets.token_hex(32)
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:  # Flask's defaults hold the key (None): setdefault is a no-op
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["CSRF_FIELD"] = CSRF_FIELD

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", settings["content_security_policy"])
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if g.get("csrf_token_sent"):  # a page carrying this session's token is never kept by a cache
            response.headers["Cache-Control"] = "no-store"
        return response


def csrf_token() -> str:
    """This session's token (created on first use)."""
    token = session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    g.csrf_token_sent = True
    return token


def same_secret(sent: object, expected: object) -> bool:
    """Constant-time comparison of a sent token or signature with the expected one, for any text sent:
    hmac.compare_digest refuses non-ASCII str (a TypeError, i.e. a 500), so both are compared as bytes."""
    def as_bytes(value: object) -> bytes:
        return str(value).encode("utf-8", "surrogatepass")

    return hmac.compare_digest(as_bytes(sent), as_bytes(expected))


def needs_csrf() -> bool:
    """Whether this request's body is of a kind a cross-site page can send without a CORS preflight."""
    mimetype = (request.mimetype or "").lower()
    return request.method not in ("GET", "HEAD", "OPTIONS") and (mimetype in _FORGEABLE or not mimetype)


def check_csrf() -> None:
    """Abort with 400 unless the request carries this session's token (form field or X-CSRF-Token header)."""
    if not needs_csrf():
        return
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    expected = session.get(CSRF_FIELD) or ""
    if not expected or not same_secret(sent, expected):
        current_app.logger.info("CSRF check failed for %s", request.path)
        abort(400, description="csrf")
