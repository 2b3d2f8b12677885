"""The X profile: which URLs it takes, the post record read from X look-alike pages
(tests/assets/platforms/x/), what X shows instead of a post, hostile markup, and ``prepare`` in Chromium."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.chromium import Serve, in_chromium
from vestige.archiver.profiles import PostRecord, select_profile
from vestige.archiver.profiles.post import MAX_REPLIES, MAX_TEXT, Author, Media, Ref
from vestige.archiver.profiles.x import XProfile, XTarget, x_target

ASSETS = Path(__file__).parents[1] / "assets" / "platforms" / "x"
ID = "1769012345678901234"
STATUS = f"https://x.com/detsky_centr_ex/status/{ID}"
PROFILE = "https://x.com/detsky_centr_ex"


def fixture(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def extract(url: str, html: str) -> PostRecord:
    record = XProfile().extract(url, html)
    assert record is not None
    assert PostRecord.from_json(json.loads(json.dumps(record.to_json()))) == record
    return record


# ---------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("url", "target"),
    [
        (STATUS, XTarget("detsky_centr_ex", ID)),
        (f"https://twitter.com/detsky_centr_ex/status/{ID}", XTarget("detsky_centr_ex", ID)),
        ("https://mobile.twitter.com/Detsky_Centr_Ex/status/17?s=20&t=abc", XTarget("Detsky_Centr_Ex", "17")),
        ("http://www.x.com/a/status/1/", XTarget("a", "1")),
        (f"{STATUS}/photo/1", XTarget("detsky_centr_ex", ID)),
        (f"{STATUS}/video/1", XTarget("detsky_centr_ex", ID)),
        (f"https://twitter.com/detsky_centr_ex/statuses/{ID}", XTarget("detsky_centr_ex", ID)),
        (f"https://x.com/i/web/status/{ID}", XTarget(None, ID)),
        (f"https://x.com/i/status/{ID}", XTarget(None, ID)),
        (PROFILE, XTarget("detsky_centr_ex", None)),
        ("https://twitter.com/detsky_centr_ex/", XTarget("detsky_centr_ex", None)),
    ],
)  # fmt: skip
def test_x_urls(url: str, target: XTarget) -> None:
    assert x_target(url) == target
    assert select_profile(url).name == "x"


@pytest.mark.parametrize(
    "url",
    [
        "https://x.com/",
        "https://x.com/home",
        "https://x.com/explore",
        "https://x.com/search?q=%D0%B4%D0%B5%D1%82%D0%B8",
        "https://x.com/i/flow/login",
        "https://x.com/hashtag/оздоровление",
        "https://x.com/detsky_centr_ex/with_replies",
        "https://x.com/detsky_centr_ex/status/notanumber",
        "https://x.com/detsky_centr_ex/status/1769012345678901234/analytics",
        "https://x.com/detsky_centr_ex/status/123456789012345678901",
        "https://x.com/a_name_that_is_too_long/status/1",
        "https://t.co/Fx2481Exmpl",
        "https://x.com.example.org/detsky_centr_ex/status/1",
        "https://example.org/x.com/detsky_centr_ex/status/1",
        "ftp://x.com/detsky_centr_ex/status/1",
        "not a url",
    ],
)
def test_x_does_not_take_other_urls(url: str) -> None:
    assert x_target(url) is None
    assert select_profile(url).name != "x"


# ---------------------------------------------------------------- a conversation


def test_the_post_asked_for() -> None:
    record = extract(STATUS, fixture("status.html"))
    assert (record.platform, record.profile, record.page_state) == ("x", "x", "post")
    assert record.post_id == "1769012345678901234" and record.canonical_url == STATUS
    assert record.author == Author(
        "Детский центр «Пример»", "@detsky_centr_ex", None, "https://x.com/detsky_centr_ex"
    )
    assert record.posted_at == "2024-03-15T08:42:17Z" and record.posted_at_raw == "2024-03-15T08:42:17.000Z"
    assert record.sources["posted_at"] == 'time[datetime] (shown "8:42 AM · Mar 15, 2024")'
    assert record.edited is True and record.edited_at == "2024-03-15T09:05:00Z"
    assert record.text is not None
    assert record.text.startswith("Сегодня в наш центр прибыли 23 ребёнка из Херсонской области.")
    assert "психологи. 🔥\nПодробнее:" in record.text  # the emoji <img> read as its character
    assert record.text.endswith("#оздоровление")
    assert record.language == "ru"
    assert record.links == (
        "https://t.co/Fx2481Exmpl",
        "https://x.com/hashtag/%D0%BE%D0%B7%D0%B4%D0%BE%D1%80%D0%BE%D0%B2%D0%BB%D0%B5%D0%BD%D0%B8%D0%B5?src=hashtag_click",
    )
    assert record.media == (
        Media("https://pbs.twimg.com/media/FixtureArrival1?format=jpg&name=small", "image"),
        Media("https://pbs.twimg.com/media/FixtureBus2?format=jpg&name=small", "image"),
    )  # the avatar and the quoted post's are not the post's media
    assert record.counts == {"views": 43210, "likes": 1205, "shares": 340, "replies": 12, "bookmarks": 56}
    assert record.counts_raw["likes"] == "1205 Likes. Like"
    assert record.reply_to == Ref(
        "https://x.com/detsky_centr_ex/status/1769000000000000001",
        "@detsky_centr_ex",
        "Анонс: 15 марта в центр прибудут дети из Херсонской области. Следите за новостями.",
    )
    assert record.quote_of is not None and record.quote_of.url is None
    assert record.quote_of.name == "Повернення дітей (приклад) (@povernennia_ex)"
    assert record.quote_of.text is not None and record.quote_of.text.startswith("Батьки з Олешок")
    assert "Батьки" not in record.text  # the quoted text is not the post's
    assert record.unreadable == (
        "quote_of: the quoted post shows no link to itself; its author and text are kept",
    )


def test_replies_below_the_post_not_discover_more() -> None:
    replies = extract(STATUS, fixture("status.html")).replies
    assert [r.post_id for r in replies] == ["1769012345678902001", "1769012345678902002"]
    first, second = replies
    assert first.author == Author("Олена К.", "@olena_k_ex", None, "https://x.com/olena_k_ex")
    assert first.canonical_url == "https://x.com/olena_k_ex/status/1769012345678902001"
    assert first.posted_at == "2024-03-15T09:12:03Z" and first.language == "uk"
    assert first.counts == {"views": 1520, "likes": 87, "shares": 0, "replies": 2, "bookmarks": 0}
    assert first.counts_raw["shares"] == "Repost"  # X shows no number for none
    assert first.edited is None and first.reply_to is None
    assert second.reply_to == Ref("https://x.com/detsky_centr_ex", "@detsky_centr_ex")
    assert second.media == (Media("https://pbs.twimg.com/media/FixtureList3?format=jpg&name=small", "image"),)


def test_a_reply_page_and_a_page_without_the_post() -> None:
    reply = extract("https://x.com/olena_k_ex/status/1769012345678902001", fixture("status.html"))
    assert reply.post_id == "1769012345678902001" and reply.edited is False
    assert reply.reply_to is not None and reply.reply_to.url == STATUS
    assert [r.post_id for r in reply.replies] == ["1769012345678902002"]
    elsewhere = extract("https://x.com/someone_ex/status/42", fixture("status.html"))
    assert elsewhere.page_state == "unknown" and elsewhere.post_id == "42" and elsewhere.text is None
    assert "post: the page shows no post with this id" in elsewhere.unreadable


def test_replies_cut_short_and_videos() -> None:
    html = fixture("status.html").replace(
        '<div aria-label="2 replies, 87 likes',
        '<button data-testid="tweet-text-show-more-link" type="button"><span>Show more</span></button>'
        '<div data-testid="tweetPhoto"><div data-testid="videoPlayer"><video poster="https://pbs.twimg.com/'
        'ext_tw_video_thumb/1/pu/img/T.jpg" src="blob:https://x.com/9f1c"></video></div></div>'
        '<div aria-label="2 replies, 87 likes',
    )
    first = extract(STATUS, html).replies[0]
    assert any(n.startswith("text: X shows it cut short") for n in first.unreadable)
    assert first.media == (
        Media(None, "video", thumbnail_url="https://pbs.twimg.com/ext_tw_video_thumb/1/pu/img/T.jpg"),
    )
    assert any("a video streamed as 'blob:https://x.com/9f1c'" in n for n in first.unreadable)


# ---------------------------------------------------------------- what X shows instead


@pytest.mark.parametrize(
    ("name", "url", "state", "shown"),
    [
        ("deleted.html", "https://x.com/detsky_centr_ex/status/1769012345678906666", "deleted",
         "This Post was deleted by the Post author. Learn more"),
        ("not-found.html", "https://x.com/i/web/status/1769012345678909999", "not_found",
         "Hmm...this page doesn’t exist. Try searching for something else."),
        ("login-wall.html", STATUS, "login_wall", "Sign in to X"),
        ("rate-limited.html", STATUS, "rate_limited",
         "Something went wrong. Try reloading. Rate limit exceeded"),
        ("withheld.html", STATUS + "/photo/1", "geo_blocked",
         "This Post has been withheld in Russia in response to a legal demand. Learn more"),
    ],
)  # fmt: skip
def test_what_x_shows_instead_of_the_post(name: str, url: str, state: str, shown: str) -> None:
    record = extract(url, fixture(name))
    assert record.page_state == state and not record.complete
    assert record.post_id == x_target(url).post_id  # type: ignore[union-attr]
    assert record.text is None and record.media == () and record.replies == ()
    assert f"page: X shows {shown!r}" in record.unreadable


def test_x_states_in_other_words() -> None:
    def state(body: str, url: str = STATUS) -> str:
        return extract(url, f"<html><body><main>{body}</main></body></html>").page_state

    assert (
        state("<span>Хм... такой страницы не существует. Попробуйте найти что-нибудь другое.</span>")
        == "not_found"
    )
    assert state("<span>Этот пост удален автором.</span>") == "deleted"
    assert state("<span>This Post is from an account that no longer exists.</span>") == "deleted"
    assert state("<span>These posts are protected</span>") == "login_wall"
    assert state("<span>Something went wrong. Try reloading.</span>") == "unknown"  # not a rate limit alone
    assert state('<a data-testid="loginButton" href="/login">Log in</a>') == "login_wall"
    assert state("<p>nothing here</p>") == "unknown"
    assert state("<span>Account suspended</span>", PROFILE) == "deleted"
    assert state("<span>This account doesn’t exist</span>", PROFILE) == "not_found"


def test_an_age_gate_keeps_what_the_post_shows() -> None:
    record = extract("https://x.com/frontline_ex/status/1769055555555555555", fixture("age-gate.html"))
    assert record.page_state == "age_gate" and not record.complete
    assert record.author is not None and record.author.handle == "@frontline_ex"
    assert record.text == "Наслідки обстрілу інтернату. Обережно, відео містить сцени насильства."
    assert record.posted_at == "2024-03-16T06:10:00Z" and record.edited is False and record.media == ()
    assert any("Age-restricted adult content" in n for n in record.unreadable)


# ---------------------------------------------------------------- a profile


def test_a_profile_page() -> None:
    record = extract(PROFILE, fixture("profile.html"))
    assert record.page_state == "channel" and record.complete
    assert record.author == Author("Детский центр «Пример»", "@detsky_centr_ex", None, PROFILE)
    assert record.title == "Детский центр «Пример»" and record.canonical_url == PROFILE
    assert (
        record.text
        == "Официальный аккаунт краевого детского центра. Новости об оздоровлении и размещении детей."
    )
    assert record.links == ("https://t.co/FxProfile1",)
    assert record.counts == {"followers": 8912, "following": 120, "posts": 1234}
    messages = record.messages
    assert [m.post_id for m in messages] == [
        "1640000000000000001",
        "1768000000000000007",
        "1769012345678901234",
    ]
    pinned, reposted, latest = messages  # oldest first, the pinned post by its own time
    assert pinned.sources["social_context"] == '[data-testid="socialContext"] "Pinned"'
    assert reposted.author is not None and reposted.author.handle == "@ministry_ex"
    assert "reposted" in reposted.sources["social_context"]
    assert latest.counts["views"] == 43210 and len(latest.media) == 1
    assert pinned.counts["replies"] == 0


def test_a_protected_or_missing_profile() -> None:
    protected = fixture("profile.html").replace(
        "<nav ",
        "<div><div>These posts are protected</div><div>Only approved followers can see</div></div><nav ",
    )
    record = extract(PROFILE, protected)
    assert (
        record.page_state == "login_wall"
        and "posts: X shows 'These posts are protected'" in record.unreadable
    )
    missing = extract("https://x.com/no_such_user_ex", fixture("not-found.html"))
    assert missing.page_state == "not_found" and missing.author is not None
    assert missing.author.handle == "@no_such_user_ex"


# ---------------------------------------------------------------- hostile pages


def _article(i: int, inside: str = "", when: str = "2024-01-01T00:00:00Z") -> str:
    return (
        f'<div data-testid="cellInnerDiv"><article data-testid="tweet"><a href="/a/status/{i}">'
        f'<time datetime="{when}">x</time></a>{inside}</article></div>'
    )


def test_hostile_markup_is_bounded() -> None:
    text = '<div data-testid="tweetText">' + "<div>" * 100_000 + "глибоко" + "</div>" * 100_000 + "</div>"
    deep = extract("https://x.com/a/status/1", _article(1, text))
    assert deep.text == "глибоко" and any("flattened" in n for n in deep.unreadable)
    crowded = extract("https://x.com/a/status/1", "".join(_article(i) for i in range(1, 5001)))
    assert len(crowded.replies) == MAX_REPLIES
    assert f"replies: more than {MAX_REPLIES}; the rest are not listed" in crowded.unreadable
    long_text = '<div data-testid="tweetText">' + "ж" * (MAX_TEXT + 10) + "</div>"
    huge = extract("https://x.com/a/status/1", _article(1, long_text, when="2024"))
    assert huge.text is not None and len(huge.text) == MAX_TEXT
    assert "text: cut at 200,000 characters" in huge.unreadable
    assert huge.posted_at is None and huge.posted_at_raw == "2024"


def test_scripts_control_characters_and_markup_in_alt_text() -> None:
    html = (
        '<article data-testid="tweet"><div data-testid="User-Name">'
        '<a href="/a">Ім\x07я<img alt="<b>x</b>"></a><span>@a</span></div>'
        '<a href="/a/status/7"><time datetime="2024-01-01T00:00:00Z">x</time></a>'
        '<div data-testid="tweetText">до<script>alert(1)</script><img alt="🔥">після\x1b[31m</div></article>'
    )
    record = extract("https://x.com/a/status/7", html)
    assert record.text == "до🔥після[31m"
    assert record.author == Author("Імя<b>x</b>", "@a", None, "https://x.com/a")


_FRAGMENTS = st.sampled_from(
    [
        '<div data-testid="cellInnerDiv">', '<article data-testid="tweet">', '<a href="/a/status/1">',
        '<time datetime="2024-01-01T00:00:00Z">', '<div data-testid="tweetText" lang="', '<div role="link">',
        '<div data-testid="User-Name">', '<span>@a</span>', '<button data-testid="like" aria-label="',
        '<div role="group" aria-label="', '<a href="/a/status/1/history">', '<div data-testid="tweetPhoto">',
        '<img alt="', '<video src="', "<h2>Discover more</h2>", "</div>", "</article>", '">', "\x00",
        "\ud800", "This Post was deleted by the Post author", '<span>Replying to </span>',
    ]
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_FRAGMENTS, st.text(max_size=30)), max_size=40))
def test_arbitrary_markup_never_breaks_extraction(parts: list[str]) -> None:
    html = "".join(parts)
    for url in (STATUS, "https://x.com/a/status/1", PROFILE, "https://x.com/i/web/status/1"):
        record = XProfile().extract(url, html)
        assert record is not None
        text = json.dumps(record.to_json(), ensure_ascii=False)
        assert PostRecord.from_json(json.loads(text)) == record


# ---------------------------------------------------------------- prepare() in a real page


def _on_x(html: str) -> Serve:
    """``html`` for every x.com URL, the post's page among them; anything else refused."""
    return lambda url: html if url.startswith("https://x.com/") else None


@pytest.mark.slow
def test_show_more_that_leaves_the_page_is_taken_back() -> None:
    """X opens some posts' own page on "Show more": the snapshot must still be of the post asked for."""
    leaving = fixture("status.html").replace(
        '<div aria-label="2 replies, 87 likes',
        '<button data-testid="tweet-text-show-more-link" type="button" '
        "onclick=\"history.pushState({}, '', '/olena_k_ex/status/1769012345678902001')\">Show more</button>"
        '<div aria-label="2 replies, 87 likes',
    )

    async def run(page: Any) -> tuple[list[str], str]:
        notes = await XProfile().prepare(page, 10, replies=0)
        return notes, page.url

    notes, url = asyncio.run(in_chromium(_on_x(leaving), run, goto=STATUS))
    assert url == STATUS
    assert any(
        "'Show more' opened https://x.com/olena_k_ex/status/1769012345678902001" in n and "taken back" in n
        for n in notes
    )


@pytest.mark.slow
def test_prepare_returns_when_the_page_never_answers() -> None:
    async def run(page: Any) -> list[str]:
        await page.evaluate("setTimeout(() => { for (;;) {} }, 20)")  # the page is busy for ever
        await asyncio.sleep(0.2)
        return await XProfile().prepare(page, 2, replies=5)  # type: ignore[no-any-return]

    notes = asyncio.run(in_chromium(_on_x(fixture("status.html")), run, goto=STATUS))
    assert notes == ["x: 0 replies show below the post after 0 'more replies' click(s)"]
