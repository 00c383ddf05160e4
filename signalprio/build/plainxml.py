"""Writing SUMO's plain XML (nodes, edges, connections, signal plans) by hand, safely quoted."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr


def document(root: str, lines: list[str]) -> str:
    body = "\n".join(f"    {line}" for line in lines)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}>\n{body}\n</{root}>\n'


def attrs(**values: object) -> str:
    return " ".join(f"{key}={quoteattr(str(value))}" for key, value in values.items())
