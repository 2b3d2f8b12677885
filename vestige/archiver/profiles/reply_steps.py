"""Steps in the live page for controls that ``page_steps`` cannot name by a CSS selector alone.

Facebook's "See more" and "View more comments" are ``div[role=button]`` elements told apart only by their
words; VK's "Show next comments" link stays in place and is clicked again for each page of comments.
``mark_controls`` gives the controls whose words match a ``data-vestige-control`` attribute (the only change
made to the page besides ``page_steps``' own ``data-vestige-clicked``), so ``page_steps`` can click them;
``load_replies`` repeats ``page_steps.load_more`` one click at a time, marking the "more" controls afresh
before each click (a page of comments may bring a new one). Both are bounded by a count and the profile's
``Budget``.
"""

from __future__ import annotations

from typing import Any

from . import page_steps
from .base import Budget

MAX_MARKED = 200
MAX_ROUNDS = 30
# Marks up to `limit` elements matching `candidates` whose own words match `pattern` (case-insensitive)
# with data-vestige-control=`name`.
_MARK = """([candidates, pattern, name, limit]) => {
  const words = new RegExp(pattern, 'i');
  let marked = 0;
  for (const el of document.querySelectorAll(candidates)) {
    if (marked >= limit) break;
    const text = (el.textContent || '').slice(0, 400).replace(/\\s+/g, ' ').trim();
    if (text.length > 120 || !words.test(text)) continue;
    el.setAttribute('data-vestige-control', name);
    marked += 1;
  }
  return marked; }"""


def marked(name: str) -> str:
    """The CSS selector of the controls ``mark_controls`` marked as ``name``."""
    return f'[data-vestige-control="{name}"]'


async def mark_controls(page: Any, budget: Budget, candidates: str, pattern: str, name: str) -> int:
    """Mark the elements matching ``candidates`` whose text matches ``pattern`` (a JavaScript regular
    expression) so that ``marked(name)`` selects them. Returns how many were marked."""
    count = await budget.run(lambda: page.evaluate(_MARK, [candidates, pattern, name, MAX_MARKED]), 3.0)
    return count if isinstance(count, int) and not isinstance(count, bool) else 0


async def load_replies(
    page: Any,
    budget: Budget,
    *,
    items: str,
    more: str,
    want: int,
    words: str | None = None,
    wait_s: float = 3.0,
) -> tuple[int, int]:
    """Click the "more replies" control until ``want`` elements matching ``items`` show, the control is
    gone, a click brings nothing new, or ``MAX_ROUNDS`` clicks or the budget run out. The control is
    ``more`` (a CSS selector), or with ``words`` the elements matching ``more`` whose text matches them.
    Returns (items shown, clicks made)."""
    shown = await page_steps.count(page, budget, items)
    clicks = 0
    while shown < want and clicks < MAX_ROUNDS and budget.left() > 0:
        await mark_controls(page, budget, more, words or ".", "more")
        now, made = await page_steps.load_more(
            page, budget, items=items, more=marked("more"), want=want, rounds=1, wait_s=wait_s
        )
        clicks += made
        if made == 0 or now <= shown:
            break
        shown = now
    return shown, clicks
