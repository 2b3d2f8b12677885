"""Reading a Mastodon page: what marks it as Mastodon's, and the record of what it shows (a status with its
thread, a profile, or the instance's words instead of them). The status and profile markup is read by
``mastodon_status``; the exact times come from the page's JSON-LD (the web UI shows them without an offset).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from selectolax.lexbor import LexborNode

from .draft import PostDraft, make_author, make_ref
from .html import Document, attr, node_text
from .jsonld import read_jsonld, text_of, types, url_of
from .mastodon_status import DETAILED, STATUS, fill_status, new_draft, read_status, status_id_in
from .mastodon_url import Target, mastodon_target
from .meta import DISCOVERY_TYPES
from .post import MAX_LINE, MAX_MESSAGES, MAX_REPLIES, MAX_TEXT, PageState, PostRecord
from .schema import ACTION_COUNTS
from .wording import page_text, phrase_in

MAX_STATE_CHARS = 2_000_000
# fmt: off
# Wording of the instance's error pages (config/locales/*.yml "errors"), the web UI and Devise.
_STATES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("rate_limited", ("Too many requests", "Слишком много запросов")),
    ("gone", ("The page you were looking for doesn't exist here anymore", "больше не существует")),
    ("missing", (
        "The page you are looking for isn't here", "The requested page could not be found",
        "Страница, которую Вы искали, не существует", "Страница, которую вы искали, не существует",
    )),
    ("suspended", (
        "Account suspended", "This account has been suspended", "This profile has been suspended",
        "This account has been removed",
    )),
    ("login_wall", (
        "You need to sign in or sign up before continuing",
        "Вам необходимо войти или зарегистрироваться",
        "Вам необходимо войти в систему или зарегистрироваться",
    )),
)
# fmt: on


def mastodon_markers(doc: Document) -> list[str]:
    """What marks ``doc`` as a Mastodon page: its initial-state JSON (enough alone), else the app's root
    together with an ActivityStreams link or ``og:site_name`` "Mastodon". Empty: not recognised."""
    found: list[str] = []
    state = _initial_state(doc)
    meta = state.get("meta") if isinstance(state, dict) else None
    if (
        isinstance(meta, dict)
        and isinstance(meta.get("domain"), str)
        and any(k in meta for k in ("version", "streaming_api_base_url", "repository"))
    ):
        found.append('script#initial-state (Mastodon\'s "meta": domain, version)')
    root = doc.first("div#mastodon") is not None
    activity = doc.first('link[rel="alternate"][type="application/activity+json"]') is not None
    site = (attr(doc.first('meta[property="og:site_name"]'), "content", 200) or "").strip() == "Mastodon"
    if found or (root and (activity or site)):
        found += [
            name
            for ok, name in (
                (root, "div#mastodon"),
                (activity, "activity+json link"),
                (site, 'og:site_name "Mastodon"'),
            )
            if ok
        ]
    return found


def _initial_state(doc: Document) -> Any:
    script = doc.first('script#initial-state[type="application/json"]')
    text = script.text(deep=True) if script is not None else ""
    if not text or len(text) > MAX_STATE_CHARS:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def read_mastodon_page(doc: Document, url: str, detected: Sequence[str] = ()) -> PostRecord | None:
    """The record of a Mastodon page; ``detected``: the markers it was recognised by, when not by its URL."""
    target = mastodon_target(url)
    draft = new_draft()
    draft.notes.extend(doc.notes)
    if detected:
        draft.source("profile", f"detected from the page by the generic profile: {', '.join(detected)}")
    detailed = doc.first(DETAILED)
    if detailed is not None:
        return _status_page(doc, detailed, target, draft)
    if doc.first(".account__header") is not None:
        return _account(doc, target, draft)
    if (shown := _shown_state(doc)) is not None:
        return _instead(doc, target, draft, *shown)
    return _from_jsonld(doc, target, draft) if detected or target else None


def _shown_state(doc: Document) -> tuple[str, str] | None:
    if (shown := phrase_in(page_text(doc.tree.body), _STATES, any_case=True)) is not None:
        return shown
    if doc.first('form#new_user, form.new_user input[name="user[password]"]') is not None:
        return "login_wall", "a sign-in form"
    return None


def _instead(doc: Document, target: Target | None, draft: PostDraft, shown: str, words: str) -> PostRecord:
    is_status = target is not None and target.status_id is not None
    states: dict[str, PageState] = {
        "rate_limited": "rate_limited",
        "gone": "deleted",
        "missing": "deleted" if is_status else "not_found",
        "suspended": "deleted",
        "login_wall": "login_wall",
    }
    draft.page_state = states[shown]
    _target_fields(draft, target)
    why = {"missing": ": deleted, private, or an id never used" if is_status else ""}.get(shown, "")
    draft.note("post", f"the instance shows {words!r} instead of it{why}")
    return draft.build()


def _target_fields(draft: PostDraft, target: Target | None) -> None:
    if target is None:
        return
    draft.set_line("post_id", target.status_id, "the URL")
    if target.user:
        acct = f"@{target.user}@{target.remote or target.host}"
        profile = f"https://{target.host}/@{target.user}" + (f"@{target.remote}" if target.remote else "")
        draft.author = make_author(None, acct, None, profile)
        draft.source("author", "the URL")
        if target.status_id:
            draft.set_line("canonical_url", f"{profile}/{target.status_id}", "the URL", 8000)


def _status_page(doc: Document, detailed: LexborNode, target: Target | None, draft: PostDraft) -> PostRecord:
    draft.page_state = "post"
    fill_status(draft, detailed, doc)
    if draft.post_id is None and target is not None:
        draft.set_line("post_id", target.status_id, "the URL")
    _declared_times(draft, doc)
    _discovery(draft, doc)
    thread = doc.css(f"{STATUS}, {DETAILED}")
    at = next((i for i, n in enumerate(thread) if n == detailed), 0)
    ancestors, descendants = thread[:at], thread[at + 1 :]
    if ancestors:
        parent = read_status(ancestors[-1], doc)
        name = parent.author.display_name or parent.author.handle if parent.author else None
        draft.reply_to = make_ref(parent.canonical_url, name, parent.text)
        draft.source("reply_to", "the nearest ancestor shown above the status")
    for node in descendants[:MAX_REPLIES]:
        draft.add_reply(read_status(node, doc))
    if descendants:
        draft.source("replies", "the descendants shown below the status (.status), in page order")
    if len(descendants) > MAX_REPLIES:
        draft.note("replies", f"the page shows {len(descendants)}; the first {MAX_REPLIES} are kept")
    return draft.build()


def _discovery(draft: PostDraft, doc: Document) -> None:
    """The oEmbed and ActivityStreams versions the page links to (recorded, never fetched). The page's
    ``<html lang>`` is the interface's language, not the status's: it is not read."""
    for link in doc.css('link[rel="alternate"][type][href]')[:50]:
        kind = DISCOVERY_TYPES.get(" ".join((attr(link, "type", 200) or "").lower().split()))
        if kind and (url := doc.absolute(attr(link, "href"))):
            draft.discovery.setdefault(kind, url)


def _jsonld_posting(doc: Document, status_id: str | None) -> dict[str, Any] | None:
    ld = read_jsonld(doc)
    for node in ld.top:
        if "SocialMediaPosting" in types(node) and (
            status_id is None or status_id_in(url_of(node.get("url"))) == status_id
        ):
            return node
    return None


def _declared_times(draft: PostDraft, doc: Document) -> None:
    """The status's times and exact counts as the page's JSON-LD (or Open Graph) declares them, in UTC;
    its language from ``og:locale`` when the web UI did not show the text (a closed content warning)."""
    og_status = status_id_in(attr(doc.first('meta[property="og:url"]'), "content"))
    if draft.language is None and og_status is not None and og_status == draft.post_id:
        locale = attr(doc.first('meta[property="og:locale"]'), "content", 40)
        draft.set_line("language", locale, 'meta "og:locale" (the status\'s language)')
    posting = _jsonld_posting(doc, draft.post_id)
    if posting is not None:
        shown = draft.posted_at_raw
        where = "json-ld SocialMediaPosting.datePublished" + (f" (the page shows {shown!r})" if shown else "")
        draft.set_time("posted_at", text_of(posting.get("datePublished")), where)
        if draft.edited:
            draft.set_time(
                "edited_at", text_of(posting.get("dateModified")), "json-ld SocialMediaPosting.dateModified"
            )
        # The web UI rounds what it shows ("1.3K"); the JSON-LD declares the exact counts.
        stats = posting.get("interactionStatistic")
        for stat in (stats if isinstance(stats, list) else [])[:10]:
            action = str(stat.get("interactionType", "")).rsplit("/", 1)[-1] if isinstance(stat, dict) else ""
            if (name := ACTION_COUNTS.get(action)) in ("likes", "shares", "replies"):
                value = text_of(stat.get("userInteractionCount"))
                draft.set_count(name, value, f"json-ld interactionStatistic {action} (exact)")
        return
    published = attr(doc.first('meta[property="og:published_time"]'), "content", 100)
    if og_status == draft.post_id and draft.set_time("posted_at", published, 'meta "og:published_time"'):
        return
    draft.note("posted_at", "shown without a UTC offset, and the page declares no time for this status")


def _account(doc: Document, target: Target | None, draft: PostDraft) -> PostRecord:
    header = doc.first(".account__header")
    assert header is not None
    draft.page_state = "channel"
    name_node = header.css_first(".account__header__tabs__name h1")
    small = name_node.css_first("small") if name_node is not None else None
    acct = node_text(small, MAX_LINE).split()[0] if small is not None and node_text(small, MAX_LINE) else None
    name = node_text(name_node.css_first("span"), MAX_LINE) if name_node is not None else ""
    actor = doc.absolute(attr(doc.first('link[rel="alternate"][type="application/activity+json"]'), "href"))
    profile_url = doc.absolute(attr(doc.first('meta[property="og:url"]'), "content"))
    if profile_url is None and target is not None and target.user:
        profile_url = f"https://{target.host}/@{target.user}" + (f"@{target.remote}" if target.remote else "")
    draft.author = make_author(name or None, acct, actor, profile_url)
    draft.source("author", ".account__header__tabs__name (name, @account); the activity+json link (id)")
    draft.set_line("title", name, ".account__header__tabs__name")
    draft.set_line("canonical_url", profile_url, 'meta "og:url"' if profile_url else "the URL", 8000)
    draft.set_text(
        node_text(header.css_first(".account__header__content"), MAX_TEXT), ".account__header__content"
    )
    for link in header.css(".account__header__extra__links a")[:10]:
        words = node_text(link, 100).lower()
        kind = next((k for k in ("followers", "following", "posts") if k in words), None)
        if kind is not None:
            exact = attr(link, "title", 40)
            draft.set_count(
                kind, exact or node_text(link.css_first("strong"), 40), ".account__header__extra__links"
            )
    empty = node_text(doc.first(".empty-column-indicator"), 400)
    if suspended := next((w for w in dict(_STATES)["suspended"] if w.lower() in empty.lower()), None):
        draft.page_state = "deleted"
        draft.note("profile", f"the instance shows {suspended!r} instead of the profile's statuses")
    statuses = doc.css(STATUS)
    draft.set_messages([read_status(n, doc) for n in reversed(statuses[:MAX_MESSAGES])])
    if statuses:
        draft.source("messages", f"the profile's statuses ({STATUS}), newest first on the page")
    if len(statuses) > MAX_MESSAGES:
        draft.note("messages", f"the page shows {len(statuses)}; the newest {MAX_MESSAGES} are kept")
    return draft.build()


def _from_jsonld(doc: Document, target: Target | None, draft: PostDraft) -> PostRecord | None:
    """A status page the web UI did not render: what its JSON-LD and Open Graph tags declare."""
    posting = _jsonld_posting(doc, target.status_id if target else None)
    if posting is None:
        return None
    _target_fields(draft, target)
    draft.page_state = "post"
    draft.set_line(
        "canonical_url", doc.absolute(url_of(posting.get("url"))), "json-ld SocialMediaPosting.url", 8000
    )
    draft.post_id = draft.post_id or status_id_in(draft.canonical_url)
    draft.set_text(text_of(posting.get("text")), "json-ld SocialMediaPosting.text")
    author = posting.get("author")
    if isinstance(author, dict):
        acct = text_of(author.get("alternateName"))
        draft.author = make_author(
            text_of(author.get("name")),
            f"@{acct}" if acct and not acct.startswith("@") else acct,
            None,
            doc.absolute(url_of(author.get("url"))),
        )
        draft.source("author", "json-ld SocialMediaPosting.author")
    draft.set_time(
        "posted_at", text_of(posting.get("datePublished")), "json-ld SocialMediaPosting.datePublished"
    )
    draft.set_time(
        "edited_at", text_of(posting.get("dateModified")), "json-ld SocialMediaPosting.dateModified"
    )
    _discovery(draft, doc)
    draft.note("page", "the web UI did not render the status: read from the page's JSON-LD (no replies)")
    return draft.build()
