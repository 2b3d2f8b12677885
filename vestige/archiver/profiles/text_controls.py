"""Controls a platform names only by their words ("Show more replies", "more"), made selectable by CSS.

``page_steps.click_all`` and ``load_more`` take CSS selectors; some platforms give their "more" buttons no
stable attribute, only a label. ``mark_by_text`` finds the elements matching a CSS ``scope`` whose whole
visible text is one of ``phrases`` (case and "…" ignored) and sets ``data-vestige-control`` on them, so
``[data-vestige-control="NAME"]`` selects them. Nothing else in the page changes; bounded like every step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .base import Budget

MAX_LABEL = 80  # a control's label is short; longer text is content, never a control

_MARK = """([scope, phrases, name, limit, most]) => {
  const wanted = new Set(phrases.map((p) => p.toLowerCase()));
  let marked = 0;
  for (const el of document.querySelectorAll(scope)) {
    if (marked >= limit) break;
    if (el.dataset.vestigeControl || el.dataset.vestigeClicked) continue;
    const raw = el.innerText || el.textContent || '';
    if (raw.length > most * 2) continue;
    const label = raw.replace(/[\\u2026]|\\.{3}/g, ' ').replace(/\\s+/g, ' ').trim().toLowerCase();
    if (label.length <= most && wanted.has(label)) {
      el.dataset.vestigeControl = name;
      marked += 1;
    }
  }
  return marked; }"""


def control(name: str) -> str:
    """The CSS selector of the controls ``mark_by_text`` marked as ``name`` and not clicked yet."""
    return f'[data-vestige-control="{name}"]:not([data-vestige-clicked])'


async def mark_by_text(
    page: Any, budget: Budget, scope: str, phrases: Sequence[str], name: str, *, limit: int = 50
) -> int:
    """Mark (at most ``limit``) elements matching ``scope`` whose text is one of ``phrases``; returns how
    many were marked (0 if the page did not answer in time)."""
    marked = await budget.run(
        lambda: page.evaluate(_MARK, [scope, list(phrases), name, limit, MAX_LABEL]), 3.0
    )
    return marked if isinstance(marked, int) and not isinstance(marked, bool) else 0
