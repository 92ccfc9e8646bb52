r"""Escaping and the Content-Security-Policy: the only ways record text reaches a report page.

- ``esc`` / ``url_attr`` / ``json_for_script``: text, paths and JSON made safe for HTML.
- ``content_security_policy(script)``: the CSP that lets only ``script`` run (the run
  report and the compare page both use it).

Why a module of its own: scenario names, ids and skip messages come from user files, and
every page builder (``html``, ``summary_html``, ``compare_html``) must escape them the same
way; keeping the rules in one small place makes them easy to audit. Every string goes
through ``html.escape(..., quote=True)``; paths are percent-encoded first; JSON placed in a
``<script>`` block has ``<``, ``>`` and ``&`` as ``\\u003c`` etc. As a second fence, a
Content-Security-Policy allows only the page's own script (by its SHA-256), so even a
missed escape could not run injected script.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from typing import Any
from urllib.parse import quote

from robot_sf_gym_video.report.assets import JS

__all__ = ["content_security_policy", "esc", "json_for_script", "url_attr"]


def esc(value: Any) -> str:
    """Escape any value for HTML text or a quoted attribute (``&<>"'`` all encoded)."""
    return html.escape(str(value), quote=True)


def url_attr(rel_path: str) -> str:
    """Percent-encode a relative POSIX path and escape it for an attribute value."""
    return esc(quote(rel_path, safe="/"))


def json_for_script(data: Any) -> str:
    r"""Serialise ``data`` for a ``<script type="application/json">`` block.

    ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e``, ``\\u0026`` so no string can
    close the script element or open a comment; U+2028/9 are escaped for old JS parsers.
    """
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, allow_nan=False)
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, code)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def content_security_policy(script: str = JS) -> str:
    """Return the page's CSP: only ``script`` (by its SHA-256) may run, media from the run."""
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (
        "default-src 'none'; "
        f"script-src 'sha256-{digest}'; style-src 'unsafe-inline'; "
        "img-src 'self' file: data:; media-src 'self' file:; "
        "base-uri 'none'; form-action 'none'"
    )
