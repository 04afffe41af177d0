"""Small Sphinx fixes for the handbook's website, each found by its browser test (tests/browser).

* Sphinx 7.4 lists a body-only script that an extension registers after the
  builder has started twice (once with the file name None, once with ''), so
  sphinx-thebe's inline `const THEBE_JS_URL = ...` runs twice and every page
  throws "Identifier 'THEBE_JS_URL' has already been declared". We drop the
  repeat from each page's script list.

Deliberately left out: anything that changes what a page shows. Theme and
asset settings stay in _config.yml where a reader of the book's source looks.
"""

from __future__ import annotations


def dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    """Keep the first of any scripts with the same file name (None and '' alike) and attributes."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        key = (getattr(js, "filename", None) or "", tuple(sorted(getattr(js, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
