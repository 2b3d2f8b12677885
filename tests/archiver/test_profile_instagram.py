"""The Instagram profile: which URLs it takes, the post record read from Instagram look-alike pages
(tests/assets/platforms/instagram/): the embedded media item, the markup, Open Graph, comments, what
Instagram shows instead of a post, hostile pages, and ``prepare`` in Chromium."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.chromium import in_chromium
from vestige.archiver.profiles import PostRecord, select_profile
from vestige.archiver.profiles.instagram import InstagramProfile, InstagramTarget, instagram_target
from vestige.archiver.profiles.post import Author, Media, Place

ASSETS = Path(__file__).parents[1] / "assets" / "platforms" / "instagram"
POST = "https://www.instagram.com/p/C4xFixture1/"
PROFILE = "https://www.instagram.com/detskiy_centr_example/"
CDN = "https://scontent-waw2-1.cdninstagram.com"
PHOTO = (
    f"{CDN}/v/t51.29350-15/431000001_fixture_arrival_n.jpg?stp=dst-jpg_e35_p640x640"
    "&_nc_ht=scontent-waw2-1.cdninstagram.com&oh=00_FixtureB&oe=66000000"
)
VIDEO = (
    f"{CDN}/o1/v/t16/f1/m82/FixtureBusClip.mp4?efg=eyJ2ZW5jb2RlX3RhZyI6ImZpeHR1cmUifQ"
    "&_nc_ht=scontent-waw2-1.cdninstagram.com&oh=00_FixtureD&oe=66000000"
)
THUMB = (
    f"{CDN}/v/t51.29350-15/431000002_fixture_bus_thumb_n.jpg?stp=dst-jpg_e35"
    "&_nc_ht=scontent-waw2-1.cdninstagram.com&oh=00_FixtureC&oe=66000000"
)
DATA_SCRIPT = '<script type="application/json" data-content-len='


def fixture(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def extract(url: str, html: str) -> PostRecord:
    record = InstagramProfile().extract(url, html)
    assert record is not None
    assert PostRecord.from_json(json.loads(json.dumps(record.to_json()))) == record
    return record


def without_data(html: str) -> str:
    """The page without its embedded media item (what is left: the markup and Open Graph)."""
    start = html.index(DATA_SCRIPT)
    return html[:start] + html[html.index("</script>", start) + len("</script>") :]


# ---------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("url", "target"),
    [
        (POST, InstagramTarget(None, "p", "C4xFixture1")),
        ("https://instagram.com/p/C4xFixture1", InstagramTarget(None, "p", "C4xFixture1")),
        (
            "https://www.instagram.com/reel/C3wFixture0/?igsh=abc",
            InstagramTarget(None, "reel", "C3wFixture0"),
        ),
        ("https://www.instagram.com/reels/C3wFixture0/", InstagramTarget(None, "reel", "C3wFixture0")),
        ("https://www.instagram.com/tv/B1aFixture2/", InstagramTarget(None, "tv", "B1aFixture2")),
        (
            "https://www.instagram.com/detskiy_centr_example/p/C4xFixture1/",
            InstagramTarget("detskiy_centr_example", "p", "C4xFixture1"),
        ),
        (f"{POST}embed/captioned/", InstagramTarget(None, "p", "C4xFixture1")),
        (f"{POST}c/18012345678900001/", InstagramTarget(None, "p", "C4xFixture1")),
        (f"{POST}c/18012345678900001/r/18012345678900011/", InstagramTarget(None, "p", "C4xFixture1")),
        (f"{POST}liked_by/", InstagramTarget(None, "p", "C4xFixture1")),
        ("http://instagr.am/p/C4xFixture1/", InstagramTarget(None, "p", "C4xFixture1")),
        ("https://m.instagram.com/p/C4xFixture1/", InstagramTarget(None, "p", "C4xFixture1")),
        (PROFILE, InstagramTarget("detskiy_centr_example", None, None)),
        ("https://instagram.com/olena.k.example", InstagramTarget("olena.k.example", None, None)),
    ],
)
def test_instagram_urls(url: str, target: InstagramTarget) -> None:
    assert instagram_target(url) == target
    assert select_profile(url).name == "instagram"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.instagram.com/",
        "https://www.instagram.com/explore/",
        "https://www.instagram.com/reels/",
        "https://www.instagram.com/accounts/login/?next=%2Fp%2FC4xFixture1%2F",
        "https://www.instagram.com/stories/detskiy_centr_example/3312345678901234567/",
        "https://www.instagram.com/direct/inbox/",
        "https://www.instagram.com/p/",
        "https://www.instagram.com/p/abc/",
        "https://www.instagram.com/p/C4xFixture1/unknown/",
        "https://www.instagram.com/detskiy_centr_example/tagged/",
        "https://www.instagram.com/not a user/",
        "https://instagram.com.example.org/p/C4xFixture1/",
        "https://example.org/instagram.com/p/C4xFixture1/",
        "https://l.instagram.com/?u=https%3A%2F%2Fexample.org",
        "not a url",
    ],
)
def test_instagram_does_not_take_other_urls(url: str) -> None:
    assert instagram_target(url) is None
    assert select_profile(url).name != "instagram"


# ---------------------------------------------------------------- a post


def test_the_post_from_its_embedded_item() -> None:
    record = extract(POST, fixture("post.html"))
    assert (record.platform, record.profile, record.page_state) == ("instagram", "instagram", "post")
    assert record.post_id == "C4xFixture1" and record.canonical_url == POST
    assert record.sources["post_id"].endswith(".code (media pk 3312345678901234567)")
    assert record.author == Author("Детский центр «Пример»", "@detskiy_centr_example", "51234567890", PROFILE)
    assert record.posted_at == "2024-03-03T09:15:00Z" and record.posted_at_raw == "1709457300"
    assert record.edited is True and record.edited_at is None
    assert "edited_at: Instagram marks the caption as edited but does not say when" in record.unreadable
    assert record.place == Place(
        "Геническ (пример)", "1000000001", "https://www.instagram.com/explore/locations/1000000001/"
    )
    assert record.text is not None and record.text.startswith("Сегодня в наш центр прибыли 23 ребёнка")
    assert record.text.endswith("#оздоровление #детскийцентр")  # whole, though the markup shows it cut
    assert record.counts == {"likes": 1234, "replies": 56} and record.counts_raw == {
        "likes": "1234",
        "replies": "56",
    }
    # Of each item's sizes, the one the page showed (so its bytes are the ones in the WARC).
    assert record.media == (
        Media(PHOTO, "image", 640, 800),
        Media(VIDEO, "video", 640, 360, 1.5, THUMB),
    )
    assert record.language is None and record.title is None


def test_the_comments_and_their_replies() -> None:
    comments = extract(POST, fixture("post.html")).replies
    assert [c.post_id for c in comments] == ["18012345678900001", "18012345678900002"]
    first, second = comments
    assert first.canonical_url == f"{POST}c/18012345678900001/"
    assert first.author == Author(
        None, "@olena.k.example", None, "https://www.instagram.com/olena.k.example/"
    )
    assert first.posted_at == "2024-03-03T10:15:00Z"
    assert first.text == "Це депортація, а не оздоровлення. Де батьки цих дітей?"
    assert first.counts == {"likes": 48, "replies": 1} and first.counts_raw["likes"] == "48 likes"
    [answer] = first.replies
    assert answer.post_id == "18012345678900011"
    assert answer.canonical_url == f"{POST}c/18012345678900001/r/18012345678900011/"
    assert answer.author is not None and answer.author.handle == "@detskiy_centr_example"
    assert answer.counts == {"likes": 2} and answer.replies == ()
    assert second.counts == {"likes": 12} and second.replies == ()


def test_without_the_embedded_item_the_markup_and_open_graph_are_read() -> None:
    record = extract(POST, without_data(fixture("post.html")))
    assert record.page_state == "post" and record.post_id == "C4xFixture1"
    assert "page data: the page embeds no media item for this post; read from its markup" in record.unreadable
    assert record.author == Author("Детский центр «Пример»", "@detskiy_centr_example", "51234567890", PROFILE)
    assert record.posted_at == "2024-03-03T09:15:00Z" and record.posted_at_raw == "2024-03-03T09:15:00.000Z"
    assert record.edited is True  # the "Edited" mark beside the caption's time
    assert record.text is not None and record.text.endswith("с ними работают психологи")
    assert "text: Instagram shows the caption cut short ('more' was not opened)" in record.unreadable
    assert record.counts == {"likes": 1234, "replies": 56}
    assert record.sources["counts.replies"] == 'meta "og:description"'
    assert record.media == (Media(PHOTO, "image"), Media(VIDEO, "video", thumbnail_url=THUMB))
    assert len(record.replies) == 2


def test_an_item_for_another_post_is_not_this_post() -> None:
    record = extract("https://www.instagram.com/p/C9zOtherPost/", fixture("post.html"))
    assert record.post_id == "C9zOtherPost" and record.author is not None
    assert record.sources["author"].startswith("article header")  # not the embedded item's


# ---------------------------------------------------------------- what Instagram shows instead


@pytest.mark.parametrize(
    ("name", "url", "state", "shown"),
    [
        ("unavailable.html", "https://www.instagram.com/p/C4xGoneGone1/", "deleted",
         "Sorry, this page isn't available."),
        ("unavailable.html", "https://www.instagram.com/no_such_user_example/", "not_found",
         "Sorry, this page isn't available."),
        ("login-wall.html", POST, "login_wall", "its log-in form (input[name=username])"),
        ("rate-limited.html", "https://www.instagram.com/reel/C3wFixture0/", "rate_limited",
         "Please wait a few minutes before you try again."),
        ("geo-blocked.html", "https://www.instagram.com/detskiy_centr_example/p/C4xFixture1/", "geo_blocked",
         "This post isn't available in your country"),
        ("age-restricted.html", PROFILE, "age_gate", "Restricted profile"),
    ],
)  # fmt: skip
def test_what_instagram_shows_instead_of_the_post(name: str, url: str, state: str, shown: str) -> None:
    record = extract(url, fixture(name))
    assert record.page_state == state and not record.complete
    assert record.post_id == instagram_target(url).shortcode  # type: ignore[union-attr]
    assert record.text is None and record.media == () and record.replies == ()
    assert f"page: Instagram shows {shown!r}" in record.unreadable


def test_instagram_states_in_other_words() -> None:
    def state(body: str, url: str = POST) -> str:
        return extract(url, f"<html><body><main>{body}</main></body></html>").page_state

    assert state("<h2>К сожалению, эта страница недоступна.</h2>") == "deleted"
    assert state("<h2>Подождите несколько минут, прежде чем пытаться снова.</h2>") == "rate_limited"
    assert state("<h1>Log into Instagram</h1>") == "login_wall"
    assert state("<h2>This account is private</h2>") == "login_wall"
    assert state("<p>nothing here</p>") == "unknown"
    private = fixture("profile.html").replace("<article>", "<h2>This account is private</h2><article>")
    assert extract(PROFILE, private).page_state == "login_wall"


def test_a_log_in_prompt_over_a_post_is_only_noted() -> None:
    html = fixture("post.html").replace(
        "</main>",
        '</main><div role="dialog"><form><input name="username"><input name="password"></form></div>',
    )
    record = extract(POST, html)
    assert record.page_state == "post"
    assert record.sources["login_prompt"] == "Instagram lays a log-in prompt over the post"


# ---------------------------------------------------------------- a profile


def test_a_profile_page() -> None:
    record = extract(PROFILE, fixture("profile.html"))
    assert record.page_state == "channel" and record.complete
    assert record.author == Author("Детский центр «Пример»", "@detskiy_centr_example", "51234567890", PROFILE)
    assert record.canonical_url == PROFILE and record.title == "Детский центр «Пример»"
    assert record.text == "Краевой детский центр. Оздоровление и размещение детей из новых регионов."
    assert record.links == ("https://l.instagram.com/?u=https%3A%2F%2Fcentr.example.ru%2F",)
    assert record.counts == {"posts": 345, "followers": 8912, "following": 120}
    assert record.counts_raw["followers"] == "8,912"
    assert [m.post_id for m in record.messages] == [
        "C3aFixture9",
        "C3wFixture0",
        "C4xFixture1",
    ]  # oldest first
    assert record.messages[1].canonical_url == "https://www.instagram.com/reel/C3wFixture0/"
    assert all(len(m.media) == 1 and m.media[0].type == "image" for m in record.messages)


# ---------------------------------------------------------------- hostile pages


def test_hostile_embedded_data() -> None:
    html = fixture("post.html")
    start = html.index(DATA_SCRIPT)
    end = html.index("</script>", start)
    head = html[:start] + '<script type="application/json" data-sjs="">'

    def with_data(data: str) -> PostRecord:
        return extract(POST, head + data + html[end:])

    broken = with_data('{"xdt_api__v1__media__shortcode__web_info": {"items": [')
    assert any("is not valid JSON" in n for n in broken.unreadable) and broken.page_state == "post"
    deep = with_data("[" * 100_000 + '"xdt_api__v1__media__shortcode__web_info"' + "]" * 100_000)
    assert any("nested too deeply" in n for n in deep.unreadable)
    huge = with_data('{"xdt_api__v1__media__shortcode__web_info":"' + "ж" * 5_000_001 + '"}')
    assert any("larger than 5,000,000" in n for n in huge.unreadable)
    wrong_types = with_data(
        json.dumps(
            {
                "xdt_api__v1__media__shortcode__web_info": {
                    "items": [
                        {
                            "code": "C4xFixture1",
                            "user": {"username": ["x"], "pk": True},
                            "taken_at": "tomorrow",
                            "caption": {"text": {"no": 1}},
                            "like_count": -5,
                            "media_type": 8,
                            "carousel_media": {"not": "a list"},
                            "video_versions": [{"url": "javascript:alert(1)"}],
                        }
                    ]
                }
            }
        )
    )
    assert wrong_types.page_state == "post" and wrong_types.posted_at == "2024-03-03T09:15:00Z"  # from markup
    assert wrong_types.counts["likes"] == 1234 and wrong_types.media[0].url == PHOTO


def test_hostile_markup_is_bounded() -> None:
    comment = (
        '<ul><li><h3><a href="/u{i}/">u{i}</a></h3><span dir="auto">коментар {i}</span>'
        '<a href="/p/C4xFixture1/c/{i}/"><time datetime="2024-03-03T10:00:00Z">1y</time></a></li></ul>'
    )
    many = "<article>" + "".join(comment.format(i=i) for i in range(1, 3000)) + "</article>"
    record = extract(POST, many)
    assert len(record.replies) == 100 and record.replies[0].text == "коментар 1"
    deep = "<article><h1>" + "<div>" * 100_000 + "підпис" + "</div>" * 100_000 + "</h1>"
    deep += '<a href="/p/C4xFixture1/"><time datetime="2024-03-03T09:15:00Z">x</time></a></article>'
    nested = extract(POST, deep)
    assert nested.text == "підпис" and any("flattened" in n for n in nested.unreadable)


_FRAGMENTS = st.sampled_from(
    [
        "<article>", "<header>", '<a href="/someone/">', '<a href="/p/C4xFixture1/c/1/">',
        '<a href="/p/C4xFixture1/c/1/r/2/">', '<time datetime="2024-03-03T10:00:00Z">', "<h1>", "<h3>",
        '<span dir="auto">', '<span role="button">', "more", "View replies (2)", "12 likes", "<li>", "<ul>",
        f'<img src="{PHOTO}">', '<video src="blob:x">',
        '<meta property="og:description" content="1 like, 2 comments',
        '<script type="application/json">{"xdt_api__v1__media__shortcode__web_info":',
        '{"items":[{"code":"C4xFixture1",',
        '"taken_at":', '"caption":{"text":"', "</script>", "</div>", '">', "\x00", "\ud800", "<header>",
        "Sorry, this page isn't available.", '<input name="username">',
    ]
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_FRAGMENTS, st.text(max_size=30)), max_size=40))
def test_arbitrary_markup_never_breaks_extraction(parts: list[str]) -> None:
    html = "".join(parts)
    for url in (POST, PROFILE, "https://www.instagram.com/reel/C3wFixture0/"):
        record = InstagramProfile().extract(url, html)
        assert record is not None
        text = json.dumps(record.to_json(), ensure_ascii=False)
        assert PostRecord.from_json(json.loads(text)) == record


# ---------------------------------------------------------------- prepare() in a real page


@pytest.mark.slow
def test_prepare_opens_the_caption_and_stops_when_no_comments_come() -> None:
    """A "Load more comments" that brings nothing (the request fails) is clicked once, not for ever."""
    asked: list[str] = []

    def serve(url: str) -> str | None:
        if url == POST:
            return fixture("post.html")
        asked.append(url)
        return None

    async def run(page: Any) -> tuple[list[str], str]:
        notes = await InstagramProfile().prepare(page, 10, replies=5)
        return notes, await page.content()

    notes, html = asyncio.run(in_chromium(serve, run, goto=POST))
    assert notes == [
        "instagram: opened 1 text(s) cut short ('more')",
        "instagram: 2 comments show after 1 'Load more comments' click(s)",
        "instagram: opened 1 comment(s)' replies ('View replies'); 1 show",  # the one on the page already
    ]
    assert asked.count("https://www.instagram.com/graphql/query") == 2  # each control clicked once
    record = extract(POST, without_data(html))
    assert record.text is not None and record.text.endswith("#оздоровление #детскийцентр")  # opened in place
