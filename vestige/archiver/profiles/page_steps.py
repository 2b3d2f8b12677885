"""Steps a profile's ``prepare`` takes in the live page: open truncated text, load more replies.

Every step is bounded (a count and the profile's ``Budget``), clicks only what its CSS selector names, never
follows a link to another page (an ``<a>`` whose ``href`` leaves the page is skipped) and never removes
anything. Each returns what it did, so the profile can say it in the provenance.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .base import Budget

# Clicks up to `limit` visible elements matching `selector` that do not navigate away; returns the count.
# With `once`, an element is clicked at most once (marked data-vestige-clicked): a "See more" that opened
# its text is not clicked again to close it. Without, a "more" control that stays in place is clicked anew.
_CLICK_ALL = """([selector, limit, once]) => {
  const here = location.href.split('#')[0];
  const leaves = (el) => {
    const a = el.closest('a[href]');
    if (!a) return false;
    const href = a.href.split('#')[0];
    return href !== '' && href !== here && !a.getAttribute('href').startsWith('#')
      && !a.getAttribute('href').startsWith('javascript:');
  };
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  let clicked = 0;
  for (const el of document.querySelectorAll(selector)) {
    if (clicked >= limit) break;
    if ((once && el.dataset.vestigeClicked) || leaves(el) || !visible(el)) continue;
    if (once) el.dataset.vestigeClicked = '1';
    el.click();
    clicked += 1;
  }
  return clicked; }"""
_COUNT = "(selector) => document.querySelectorAll(selector).length"


async def click_all(
    page: Any, budget: Budget, selector: str, *, limit: int = 50, cap: float = 5.0, once: bool = True
) -> int:
    """Click every visible element matching ``selector`` (at most ``limit``), e.g. "See more" buttons that
    open truncated text in place, each only once unless ``once`` is False. Returns how many were clicked
    (0 if the page did not answer in time)."""
    clicked = await budget.run(lambda: page.evaluate(_CLICK_ALL, [selector, limit, once]), cap)
    return clicked if isinstance(clicked, int) and not isinstance(clicked, bool) else 0


async def count(page: Any, budget: Budget, selector: str) -> int:
    found = await budget.run(lambda: page.evaluate(_COUNT, selector), 2.0)
    return found if isinstance(found, int) and not isinstance(found, bool) else 0


async def load_more(
    page: Any,
    budget: Budget,
    *,
    items: str,
    more: str,
    want: int,
    rounds: int = 20,
    wait_s: float = 3.0,
) -> tuple[int, int]:
    """Click the "more" control (``more``) until the page shows ``want`` elements matching ``items``, no
    "more" control is left, a click brings nothing new within ``wait_s`` seconds, or ``rounds`` clicks or
    the budget run out. A control that stays in place is clicked again for each round. Returns (items
    shown, clicks made)."""
    shown = await count(page, budget, items)
    clicks = 0
    while shown < want and clicks < rounds and budget.left() > 0:
        if await click_all(page, budget, more, limit=1, once=False) == 0:
            break
        clicks += 1
        before = shown
        end = asyncio.get_running_loop().time() + min(wait_s, budget.left())
        while shown <= before and asyncio.get_running_loop().time() < end:
            await asyncio.sleep(0.1)
            shown = await count(page, budget, items)
        if shown <= before:
            break
    return shown, clicks
