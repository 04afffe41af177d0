"""The `lab-figure` directive: a chapter shows a plot that a lab glued, with alt text and a caption.

myst-nb pastes text from another page (``{glue:text}`../labs/lab3-rag.ipynb::key` ``),
but its `glue:figure` only reads the current page's notebook. Chapters are
Markdown and their plots come from the labs, so this directive reads the
lab's glue cache (written by myst-nb when it reads the lab) at write time:

    ```{lab-figure} fig_recall_latency
    :doc: ../labs/lab3-rag.ipynb
    :alt: Recall against query time for four FAISS index types ...
    :name: fig-recall-latency

    The caption.
    ```

A missing lab, key or alt text is a warning, so the `-W` build fails and
names the figure; the chapter is rebuilt whenever the lab changes. The image
is copied into the site's `_images/` under its content hash.

Deliberately left out: LaTeX builders (the PDF is printed from the HTML) and
any figure that is not a PNG or SVG glued by `myst_nb.glue`.
"""

from __future__ import annotations

import hashlib
import json
import os
from base64 import b64decode
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

LOG = logging.getLogger(__name__)
MIME = {"image/svg+xml": ".svg", "image/png": ".png"}


class pending_lab_image(nodes.General, nodes.Element):
    """Where the lab's image goes, once every page has been read."""


class LabFigure(SphinxDirective):
    required_arguments = 1
    final_argument_whitespace = False
    has_content = True
    option_spec = {"doc": directives.unchanged_required, "alt": directives.unchanged_required,
                   "name": directives.unchanged, "width": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        key = self.arguments[0]
        missing = [o for o in ("doc", "alt") if not self.options.get(o, "").strip()]
        if missing:
            return [self._warn(f"lab-figure {key!r} needs :{missing[0]}: (the lab page; a description "
                               "of the plot for readers who cannot see it)")]
        _, path = self.env.relfn2path(self.options["doc"], self.env.docname)
        refdoc = self.env.path2doc(path)
        if refdoc is None:
            return [self._warn(f"lab-figure {key!r}: no page {self.options['doc']!r} in the book")]
        self.env.note_dependency(path)
        figure = nodes.figure(classes=["lab-figure"])
        self.set_source_info(figure)
        image = pending_lab_image(refdoc=refdoc, key=key, alt=" ".join(self.options["alt"].split()),
                                  width=self.options.get("width"))
        self.set_source_info(image)
        figure += image
        if self.content:
            holder = nodes.Element()
            self.state.nested_parse(self.content, self.content_offset, holder)
            first = holder[0]
            if isinstance(first, nodes.paragraph):
                caption = nodes.caption(first.rawsource, "", *first.children)
                caption.source, caption.line = first.source, first.line
                figure += caption
            if len(holder) > 1:
                figure += nodes.legend("", *holder[1:])
        self.add_name(figure)
        return [figure]

    def _warn(self, message: str) -> nodes.Node:
        LOG.warning(message, location=(self.env.docname, self.lineno))
        return nodes.paragraph()


def glue_cache(folder: str, docname: str) -> dict:
    """The glue values myst-nb saved when it read the page `docname`."""
    parts = docname.split("/")
    path = Path(folder).joinpath(*parts[:-1], parts[-1] + ".glue.json")
    return json.loads(path.read_text()) if path.exists() else {}


class ResolveLabFigures(SphinxPostTransform):
    default_priority = 6

    def run(self, **kwargs) -> None:
        builder = self.app.builder
        for node in list(self.document.findall(pending_lab_image)):
            data = glue_cache(self.env.mystnb_config.output_folder, node["refdoc"]).get(node["key"])
            mime = next((m for m in MIME if data and m in data.get("data", {})), None)
            if mime is None:
                LOG.warning(f"lab-figure: {node['refdoc']} glues no image {node['key']!r} "
                            "(glue a matplotlib figure with that key in the lab)", location=node)
                node.parent.parent.remove(node.parent)
                continue
            payload = data["data"][mime]
            content = payload.encode() if mime == "image/svg+xml" else b64decode(payload)
            name = hashlib.sha256(content).hexdigest()[:32] + MIME[mime]
            target = Path(builder.outdir) / builder.imagedir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                target.write_bytes(content)
            page_dir = (Path(builder.outdir) / self.env.docname).parent
            uri = os.path.relpath(target, page_dir).replace(os.sep, "/")
            image = nodes.image(uri=uri, alt=node["alt"], candidates={"*": uri})
            if node.get("width"):
                image["width"] = node["width"]
            node.replace_self(image)


def setup(app):
    app.add_node(pending_lab_image)
    app.add_directive("lab-figure", LabFigure)
    app.add_post_transform(ResolveLabFigures)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
