"""Letter contexts -> one 销售目标责任书 PDF per owner and one combined PDF to print them all.

All letters are laid out as one WeasyPrint document (fonts subset once, ~3x faster than one document
per letter, FIELD-NOTES); each letter is its own page group, so its pages count 第 x 页 / 共 y 页 on
their own, and the per-owner files are page ranges cut from the combined PDF.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from salesbook.chunks import Bundle, Rendered, render_chunked
from salesbook.contexts.letters import LetterContext
from salesbook.render import Renderer


@dataclass(frozen=True)
class LetterBundle(Bundle):
    """Letters in one layout: each its own page group, so it counts 第 x 页 / 共 y 页 on its own."""

    duplex: bool = False
    created: dt.date | None = None
    end_prefix: ClassVar[str] = "letter-end-"
    what: ClassVar[tuple[str, str]] = ("责任书", "letters")
    counts_pages: ClassVar[bool] = True

    def html(self, renderer: Renderer, documents: Sequence[LetterContext]) -> str:
        created = self.created or dt.date.fromisoformat(documents[0].start)
        return renderer.html(
            "letters.html", letters=documents, duplex=self.duplex, created=created.isoformat()
        )

    def outline(self, document: LetterContext, lang: str) -> tuple[str, str]:
        return document.owner, f"销售目标责任书 {document.number} {document.owner}"


def render_letters(
    renderer: Renderer,
    contexts: list[LetterContext],
    folder: Path,
    combined: Path,
    duplex: bool = False,
    created: dt.date | None = None,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Rendered:
    """All letters into `combined` and one file per owner in `folder` (chunks.py: CHUNK letters
    per layout, `jobs` chunks at once); `progress(n)` with the letters of each chunk done."""
    return render_chunked(
        renderer, LetterBundle(duplex, created), contexts, folder, combined, jobs, progress
    )
