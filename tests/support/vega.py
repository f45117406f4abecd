"""Vega-Lite specs checked against the schema of the installed Altair: the app writes its chart specs as plain dicts
(lib/ui/charts.py) and never imports Altair; the tests check every spec they look at here."""

from __future__ import annotations


def checked(spec: dict) -> dict:
    """``spec`` if it is a valid Vega-Lite top-level spec of Altair's schema version (``jsonschema`` error otherwise)."""
    import altair as alt
    from altair.vegalite.v6.schema import core

    assert spec.get("$schema", alt.SCHEMA_URL) == alt.SCHEMA_URL, (spec.get("$schema"), alt.SCHEMA_URL)
    core.TopLevelSpec.validate(spec)
    return spec
