"""Comment sections that load as they are scrolled, and the ``--replies`` limit carried in the saved DOM.

YouTube and TikTok load comments in batches when the end of the list comes into view (YouTube's
continuation item in the window, TikTok's list in its own scrolling panel), not when a button is clicked,
so ``page_steps.load_more`` cannot drive them. ``scroll_for_more`` scrolls the last item into view, and the
box that scrolls it to its end, until enough items show.

The page keeps loading on its own too (a capture scrolls the whole page before its snapshot), so a page
can show more comments than were asked for, or show some when none were. ``prepare`` therefore writes the
limit on the page's root element (``<html data-vestige-replies="N">``, as ``click_all`` marks what it
clicked) and ``extract`` keeps the first N comments of the saved DOM, saying how many the page showed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from .base import Budget
from .draft import PostDraft
from .html import Document, attr
from .page_steps import count, wait_for_more
from .post import MAX_REPLIES
from .values import is_digits

T = TypeVar("T")

LIMIT_ATTRIBUTE = "data-vestige-replies"
_SHOWS = "(selector) => document.querySelector(selector) !== null"
_MARK = f"(n) => {{ document.documentElement.setAttribute('{LIMIT_ATTRIBUTE}', String(n)); return true; }}"
# Scrolls the last element matching the selector into view, and its nearest scrolling box to its end.
_SCROLL_TO_LAST = """(selector) => {
  const all = document.querySelectorAll(selector);
  const last = all[all.length - 1];
  if (!last) return false;
  last.scrollIntoView({block: 'end'});
  for (let el = last.parentElement; el && el !== document.body; el = el.parentElement) {
    const style = getComputedStyle(el).overflowY;
    if ((style === 'auto' || style === 'scroll') && el.scrollHeight > el.clientHeight) {
      el.scrollTop = el.scrollHeight;
      break;
    }
  }
  return true; }"""


async def mark_reply_limit(page: Any, budget: Budget, replies: int) -> bool:
    """Write ``replies`` on the page's root element for ``extract`` (see the module's docstring)."""
    return bool(await budget.run(lambda: page.evaluate(_MARK, replies), 2.0))


async def shows(page: Any, budget: Budget, selector: str) -> bool | None:
    """Whether the page has an element matching ``selector``; None if it did not answer in time."""
    found = await budget.run(lambda: page.evaluate(_SHOWS, selector), 2.0)
    return found if isinstance(found, bool) else None


def reply_limit(doc: Document) -> int | None:
    """The ``--replies`` limit ``prepare`` wrote on the saved page, or None (not written: no limit)."""
    value = (attr(doc.first(f"html[{LIMIT_ATTRIBUTE}]"), LIMIT_ATTRIBUTE, 10) or "").strip()
    return int(value) if is_digits(value) else None


def replies_to_keep(doc: Document, draft: PostDraft, shown: Sequence[T]) -> Sequence[T]:
    """The first comments of ``shown`` (the page's, in page order) that the record keeps: as many as the
    limit on the page says (``--replies``), at most ``MAX_REPLIES``; a note says how many were left out."""
    limit = reply_limit(doc)
    keep = min(len(shown), MAX_REPLIES, MAX_REPLIES if limit is None else limit)
    if len(shown) > keep:
        why = f"--replies {limit}" if limit is not None and limit < MAX_REPLIES else f"at most {MAX_REPLIES}"
        kept = f"the first {keep} are kept" if keep else "none are kept"
        draft.note("replies", f"the page showed {len(shown)} comments; {kept} ({why})")
    return shown[:keep]


async def scroll_for_more(
    page: Any,
    budget: Budget,
    *,
    items: str,
    end: str,
    want: int,
    rounds: int = 20,
    wait_s: float = 2.5,
) -> tuple[int, int]:
    """Scroll the last element matching ``end`` into view until the page shows ``want`` elements matching
    ``items``, a scroll brings nothing new within ``wait_s`` seconds, ``end`` is gone (the list is
    complete), or ``rounds`` scrolls or the budget run out. While nothing shows and there is nothing to
    scroll, waits once for a first batch the page may be fetching. Returns (items shown, scrolls made)."""
    shown = await count(page, budget, items)
    scrolls = 0
    while shown < want and scrolls < rounds and budget.left() > 0:
        scrolled = await budget.run(lambda: page.evaluate(_SCROLL_TO_LAST, end), 2.0)
        if scrolled:
            scrolls += 1
        elif shown > 0 or scrolls > 0:
            break
        before = shown
        shown = await wait_for_more(page, budget, items, before, wait_s)
        if shown <= before:
            break
    return shown, scrolls
