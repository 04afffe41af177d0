"""The site's Sphinx fix-ups (_ext/handbook_site.py), on Sphinx's own script objects."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from sphinx.builders.html._assets import _JavaScript

_path = Path(__file__).resolve().parents[1] / "_ext" / "handbook_site.py"
_spec = importlib.util.spec_from_file_location("handbook_site", _path)
site = importlib.util.module_from_spec(_spec)
sys.modules["handbook_site"] = site
_spec.loader.exec_module(site)


def test_a_body_script_registered_twice_is_kept_once():
    body = 'const THEBE_JS_URL = "x"'
    context = {"script_files": [
        _JavaScript("_static/doctools.js", priority=200),
        _JavaScript(None, body=body),  # added while the builder runs
        _JavaScript("_static/sphinx-thebe.js", **{"async": "async"}),
        _JavaScript("", body=body),  # the same, re-added from the registry before writing
        _JavaScript("", body="const other = 1"),
    ]}
    site.dedupe_scripts(None, "intro", "page.html", context, None)
    assert [(js.filename, js.attributes.get("body")) for js in context["script_files"]] == [
        ("_static/doctools.js", None), (None, body), ("_static/sphinx-thebe.js", None), ("", "const other = 1")]


def test_pages_without_scripts_are_left_alone():
    context = {}
    site.dedupe_scripts(None, "intro", "page.html", context, None)
    assert context == {}
