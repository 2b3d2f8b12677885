"""Steps a profile's ``prepare`` takes in the live page: open truncated text, load more replies.

Every step is bounded (a count and the profile's ``Budget``), clicks only what its CSS selector names, never
follows a link to another page (an ``<a>`` whose ``href`` leaves the page is skipped) and never removes
anything. Each returns what it did, so the profile can say it in the provenance.

Some controls have no stable attribute, only their words (Facebook's "See more" ``div[role=button]``, X's
"Show more replies"). ``mark_controls`` sets ``data-vestige-control`` on the elements whose label matches
(the only change made to the page besides ``click_all``'s ``data-vestige-clicked``), so that
``marked(name)`` selects them for ``click_all`` and ``load_more``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import Any

from .base import Budget

MAX_MARKED = 200  # elements marked by one call
MAX_LABEL = 120  # a control's label is short; longer text is content, never a control
MAX_SHOWN_LABEL = 80  # the same, for a label as shown (``mark_labels``)
MAX_ROUNDS = 30  # "more" clicks by ``load_replies`` (threads opened by ``open_threads``)

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
# Marks up to `limit` elements matching `scope` whose label (at most `most` characters) matches `pattern`
# with data-vestige-control=`name`; returns how many it marked. The label is the element's text with white
# space runs made one space: by default its textContent (first 400 characters), matched case-insensitively;
# `shown`, the words on screen (innerText) with "…" and "..." left out, lower-cased and matched as they are
# (so `_phrases` compares them exactly), of an element not yet marked or clicked and at most 2 * `most`
# characters long before it is trimmed.
_MARK = """([scope, pattern, name, limit, most, shown]) => {
  const words = new RegExp(pattern, shown ? '' : 'i');
  let marked = 0;
  for (const el of document.querySelectorAll(scope)) {
    if (marked >= limit) break;
    let label;
    if (shown) {
      if (el.dataset.vestigeControl || el.dataset.vestigeClicked) continue;
      const raw = el.innerText || el.textContent || '';
      if (raw.length > most * 2) continue;
      label = raw.replace(/[\\u2026]|\\.{3}/g, ' ').replace(/\\s+/g, ' ').trim().toLowerCase();
    } else {
      label = (el.textContent || '').slice(0, 400).replace(/\\s+/g, ' ').trim();
    }
    if (label.length > most || !words.test(label)) continue;
    el.dataset.vestigeControl = name;
    marked += 1;
  }
  return marked; }"""
_JS_SPECIAL = re.compile(r"[\\^$.*+?()[\]{}|/]")


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


def marked(name: str) -> str:
    """The CSS selector of the controls ``mark_controls`` marked as ``name``."""
    return f'[data-vestige-control="{name}"]'


def _phrases(labels: Sequence[str]) -> str:
    """A ``mark_controls`` pattern (with ``shown``) for a label that is one of ``labels``, case aside."""
    return "^(?:" + "|".join(_JS_SPECIAL.sub(r"\\\g<0>", label.lower()) for label in labels) + ")$"


async def mark_labels(
    page: Any, budget: Budget, scope: str, labels: Sequence[str], name: str, *, limit: int = 50
) -> int:
    """Mark (at most ``limit``) elements matching ``scope`` whose words on screen are one of ``labels``
    (case and "…" aside) and that were not marked or clicked before; returns how many were marked."""
    return await mark_controls(
        page, budget, scope, _phrases(labels), name, most=MAX_SHOWN_LABEL, shown=True, limit=limit
    )


async def mark_controls(
    page: Any,
    budget: Budget,
    scope: str,
    pattern: str,
    name: str,
    *,
    most: int = MAX_LABEL,
    shown: bool = False,
    limit: int = MAX_MARKED,
) -> int:
    """Mark (at most ``limit``) elements matching ``scope`` whose label matches ``pattern`` (a JavaScript
    regular expression) so that ``marked(name)`` selects them; a label longer than ``most`` characters is
    never a control's. The label is the element's text, case ignored; with ``shown`` its words on screen,
    "…" left out, lower-cased (give ``_phrases``), and elements marked or clicked before are left alone.
    Returns how many were marked (0 if the page did not answer in time)."""
    found = await budget.run(lambda: page.evaluate(_MARK, [scope, pattern, name, limit, most, shown]), 3.0)
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
    once: bool = False,
) -> tuple[int, int]:
    """Click the "more" control (``more``) until the page shows ``want`` elements matching ``items``, no
    "more" control is left, a click brings nothing new within ``wait_s`` seconds, or ``rounds`` clicks or
    the budget run out. A control that stays in place is clicked again for each round, unless ``once``:
    then each is clicked once, the first not clicked before in each round. Returns (items shown, clicks
    made)."""
    shown = await count(page, budget, items)
    clicks = 0
    while shown < want and clicks < rounds and budget.left() > 0:
        if await click_all(page, budget, more, limit=1, once=once) == 0:
            break
        clicks += 1
        before = shown
        shown = await wait_for_more(page, budget, items, before, wait_s)
        if shown <= before:
            break
    return shown, clicks


async def load_replies(
    page: Any,
    budget: Budget,
    *,
    items: str,
    more: str,
    want: int,
    words: str | None = None,
    wait_s: float = 3.0,
    name: str = "more",
    once: bool = False,
) -> tuple[int, int]:
    """Click the "more replies" control until ``want`` elements matching ``items`` show, the control is
    gone, a click brings nothing new, or ``MAX_ROUNDS`` clicks or the budget run out. The control is
    ``more`` (a CSS selector), or with ``words`` the elements matching ``more`` whose text matches them;
    it is marked ``name`` afresh before each click (a page of replies may bring a new one). With ``once``
    each control is clicked once (``load_more``). Returns (items shown, clicks made)."""
    shown = await count(page, budget, items)
    clicks = 0
    while shown < want and clicks < MAX_ROUNDS and budget.left() > 0:
        await mark_controls(page, budget, more, words or ".", name)
        now, made = await load_more(
            page, budget, items=items, more=marked(name), want=want, rounds=1, wait_s=wait_s, once=once
        )
        clicks += made
        if made == 0 or now <= shown:
            break
        shown = now
    return shown, clicks


async def open_threads(
    page: Any, budget: Budget, *, items: str, controls: str, want: int, words: str | None = None
) -> tuple[int, int]:
    """Open the reply threads under comments ("Show 2 more replies", "View all 3 replies"), one at a time
    in page order, while fewer than ``want`` elements matching ``items`` (comments and replies) show: the
    controls are ``controls`` (a CSS selector), or with ``words`` those of them whose text matches. Each is
    clicked once, since an opened thread's control may then close it ("Hide replies"); a control a thread
    renders anew for its next page is a new element, clicked in turn. Stops as ``load_replies`` does.
    Returns (threads opened, items shown)."""
    shown, opened = await load_replies(
        page, budget, items=items, more=controls, want=want, words=words, name="thread", once=True
    )
    return opened, shown


async def wait_for_more(page: Any, budget: Budget, items: str, before: int, wait_s: float) -> int:
    """How many elements match ``items`` once there are more than ``before``, or ``wait_s`` seconds (or
    the budget) have passed."""
    shown = before
    end = asyncio.get_running_loop().time() + min(wait_s, budget.left())
    while shown <= before and asyncio.get_running_loop().time() < end:
        await asyncio.sleep(0.1)
        shown = await count(page, budget, items)
    return shown
