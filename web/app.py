"""The Flask application factory: settings, the store handle, blueprints."""

from __future__ import annotations

from typing import Any

from flask import Flask

from cpkb.settings import load_settings

from . import store_handle


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app. test_config may hold `CPKB` (settings overrides) and any Flask config key."""
    app = Flask(__name__, instance_relative_config=True)
    settings = load_settings()
    test_config = dict(test_config or {})
    settings.update(test_config.pop("CPKB", {}))
    app.config.from_mapping(
        CPKB=settings,
        MAX_CONTENT_LENGTH=int(settings["max_upload_bytes"]),
        JSON_AS_ASCII=False,
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(test_config)
    store_handle.init_app(app)
    from . import browse, diagnose, index, reconcile, render, security, sparql  # blueprints register last

    index.init_app(app)
    render.init_app(app)
    security.init_app(app)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(browse.bp)
    app.register_blueprint(diagnose.bp)
    app.register_blueprint(reconcile.bp)
    return app
