"""Sphinx extension for `make pdf`: let the singlehtml builder render every node the html builder can.

Sphinx looks up the visitors of custom nodes by builder name first and falls
back to the format ("html") only when no extension registered anything for
that name. Some extensions do register nodes for "singlehtml", so myst-nb's
hidden-cell node (a lab's collapsed solution) has no visitor there and the
build stops. This copies every missing html visitor to singlehtml.

scripts/build_pdf.py adds it to the build's configuration; the website build
does not use it.
"""

from __future__ import annotations


def _copy_html_visitors(app) -> None:
    handlers = app.registry.translation_handlers
    single = handlers.setdefault("singlehtml", {})
    for node, visitors in handlers.get("html", {}).items():
        single.setdefault(node, visitors)


def setup(app):
    app.connect("builder-inited", _copy_html_visitors)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
