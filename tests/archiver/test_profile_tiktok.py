"""The TikTok profile: which URLs it takes, what it reads from TikTok look-alike pages
(tests/assets/platforms/tiktok/), every page state, hostile pages, and ``prepare`` bounded in a real
Chromium."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.chromium import HANG, Serve, in_chromium
from vestige.archiver.profiles import Place, PostRecord, select_profile
from vestige.archiver.profiles.post import MAX_REPLIES
from vestige.archiver.profiles.tiktok import TikTokProfile, tiktok_target

ASSETS = Path(__file__).parents[1] / "assets" / "platforms" / "tiktok"
POST = "https://www.tiktok.com/@dity_dodomu_example/video/7351234567890123456"
ACCOUNT = "https://www.tiktok.com/@dity_dodomu_example"
STATE = '<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">{}</script>'


def fixture(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def extract(url: str, html: str) -> PostRecord:
    record = TikTokProfile().extract(url, html)
    assert record is not None
    return record


def page(scope: dict[str, Any], body: str = "", lang: str = "en") -> str:
    """A TikTok page carrying ``scope`` as its state (``__DEFAULT_SCOPE__``) and ``body`` as its DOM."""
    state = json.dumps({"__DEFAULT_SCOPE__": scope}, ensure_ascii=False).replace(
        "/", "\\u002F"
    )  # as TikTok writes it
    return f'<html lang="{lang}"><body><div id="app">{body}</div>{STATE.replace("{}", state)}</body></html>'


def item_of(html: str) -> dict[str, Any]:
    state = re.search(
        r'__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">(.*?)</script>', html, re.S
    )
    assert state is not None
    item: dict[str, Any] = json.loads(state.group(1))["__DEFAULT_SCOPE__"]["webapp.video-detail"]["itemInfo"][
        "itemStruct"
    ]
    return item


# ---------------------------------------------------------------- which URLs


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (POST, "post"),
        (f"{POST}/", "post"),
        (f"{POST}?is_from_webapp=1&sender_device=pc", "post"),
        ("https://tiktok.com/@dity_dodomu_example/video/7351234567890123456", "post"),
        ("http://www.tiktok.com/@dity.dodomu_example/photo/7351234567890123457", "post"),
        ("https://m.tiktok.com/v/7351234567890123456.html", "post"),
        (ACCOUNT, "account"),
        (f"{ACCOUNT}/?lang=uk-UA", "account"),
        ("https://vm.tiktok.com/ZMexample1/", "short"),
        ("https://vt.tiktok.com/ZSexample2", "short"),
        ("https://www.tiktok.com/t/ZTfixture01/", "short"),
    ],
)
def test_matches_posts_accounts_and_short_links(url: str, kind: str) -> None:
    target = tiktok_target(url)
    assert target is not None and target.kind == kind
    assert select_profile(url).name == "tiktok"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.tiktok.com/foryou",
        "https://www.tiktok.com/tag/повернення",
        "https://www.tiktok.com/music/original-sound-7351234500000000001",
        "https://www.tiktok.com/@dity_dodomu_example/video/notanid",
        "https://www.tiktok.com/@dity_dodomu_example/live",
        "https://www.tiktok.com/@/video/7351234567890123456",
        "https://www.tiktok.com.evil.example/@dity_dodomu_example/video/7351234567890123456",
        "https://tiktok.example.org/@dity_dodomu_example/video/7351234567890123456",
        "https://example.org/www.tiktok.com/@dity_dodomu_example",
        "https://vm.tiktok.com/",
        "ftp://www.tiktok.com/@dity_dodomu_example",
        "https://www.tiktok.com:99999/@x",
        "not a url",
        "",
    ],
)
def test_matches_nothing_else(url: str) -> None:
    assert tiktok_target(url) is None
    assert select_profile(url).name != "tiktok"


# ---------------------------------------------------------------- a post


def test_a_video_post_every_field() -> None:
    record = extract(POST, fixture("video.html"))
    assert record.platform == record.profile == "tiktok" and record.page_state == "post"
    assert record.post_id == "7351234567890123456" and record.canonical_url == POST
    assert record.author is not None and record.author.handle == "@dity_dodomu_example"
    assert (record.author.display_name, record.author.id) == ("Діти додому", "6980000000000000001")
    assert record.author.profile_url == ACCOUNT
    assert record.posted_at == "2024-03-15T08:22:17Z" and record.posted_at_raw == "createTime 1710490937"
    assert record.edited is None and record.title is None
    assert record.text is not None and record.text.startswith("Марійка вдома! 12-річну дівчинку")
    assert record.text.endswith("за допомогу 💛 #повернення #дітидодому")
    assert record.language == "uk"
    assert record.place == Place(country="UA")  # locationCreated: where TikTok says it was posted from
    assert "locationCreated" in record.sources["place"]
    assert record.links == (
        "https://www.tiktok.com/@povernennia_hub_example",
        "https://www.tiktok.com/tag/повернення",
        "https://www.tiktok.com/tag/дітидодому",
    )
    video, sound = record.media
    assert (
        video.type == "video"
        and video.url is not None
        and video.url.startswith("https://v16m.tiktokcdn.com/")
    )
    assert (video.width, video.height, video.duration_s) == (576, 1024, 27.0)
    assert video.thumbnail_url is not None and "fixture-origin-7351234567890123456" in video.thumbnail_url
    assert sound.type == "audio" and sound.url is not None and sound.url.endswith(".mp3")
    assert record.counts == {
        "views": 1304877,
        "likes": 48213,
        "shares": 3120,
        "replies": 812,
        "bookmarks": 2901,
    }
    assert record.sources["counts.views"].endswith("statsV2.playCount")
    assert record.sources["posted_at"].endswith("createTime (Unix seconds)")
    assert record.quote_of is None and record.reply_to is None


def test_comments_and_their_replies() -> None:
    record = extract(POST, fixture("video.html"))
    assert len(record.replies) == 3
    first, second, third = record.replies
    assert first.author is not None and first.author.handle == "@olena_kherson_example"
    assert first.author.display_name == "Олена К."
    assert first.author.profile_url == "https://www.tiktok.com/@olena_kherson_example"
    assert first.text == "Слава Богу! Скільки ще наших дітей там залишилось..."
    assert first.posted_at is None and first.posted_at_raw == "2024-3-15"
    assert "posted_at: TikTok shows only '2024-3-15' for a comment" in first.unreadable
    assert first.counts == {"likes": 311} and first.page_state == "post"
    assert [r.text for r in first.replies] == [
        "Більше 19 тисяч, за даними уряду.",
        "Дякуємо всім, хто допомагав! Пишіть нам у директ, якщо знаєте про інших дітей.",
    ]
    assert first.replies[1].author is not None and first.replies[1].author.handle == "@dity_dodomu_example"
    assert second.text == "Где этот лагерь? В Евпатории?" and second.replies == ()
    assert third.replies[0].text == "Напишіть нам, будь ласка, допоможемо з документами."
    assert "replies: TikTok shows neither ids nor exact times for comments" in record.unreadable


@pytest.mark.parametrize(("mark", "kept"), [(None, 3), ("1", 1), ("0", 0), ("100", 3), ("x", 3)])
def test_the_replies_limit_written_by_prepare(mark: str | None, kept: int) -> None:
    html = fixture("video.html").replace(' data-vestige-replies="3"', "")
    if mark is not None:
        html = html.replace('<html lang="uk"', f'<html lang="uk" data-vestige-replies="{mark}"', 1)
    record = extract(POST, html)
    assert len(record.replies) == kept
    said = [n for n in record.unreadable if n.startswith("replies: the page showed")]
    if kept < 3:
        expected = f"the first {kept} are kept" if kept else "none are kept"
        assert said == [f"replies: the page showed 3 comments; {expected} (--replies {mark})"]
    else:
        assert said == []


def test_a_photo_post_and_a_duet() -> None:
    item = item_of(fixture("video.html"))
    item["imagePost"] = {
        "title": "Фото з зустрічі",
        "images": [
            {"imageURL": {"urlList": [f"https://p16-sign-va.tiktokcdn.com/obj/fixture-photo-{i}.jpeg"]},
             "imageWidth": 1080, "imageHeight": 1440}
            for i in range(3)
        ],
    }  # fmt: skip
    item["duetInfo"] = {"duetFromId": "7340000000000000009"}
    photo = POST.replace("/video/", "/photo/")
    record = extract(
        photo, page({"webapp.video-detail": {"itemInfo": {"itemStruct": item}, "statusCode": 0}})
    )
    assert record.canonical_url == photo and record.title == "Фото з зустрічі"
    images = [m for m in record.media if m.type == "image"]
    assert len(images) == 3 and (images[0].width, images[0].height) == (1080, 1440)
    assert not any(m.type == "video" for m in record.media)
    assert (
        record.quote_of is not None and record.quote_of.text == "a duet with TikTok video 7340000000000000009"
    )


def test_the_state_of_another_video_is_not_used() -> None:
    """After TikTok's app moves to another video, the state can still hold the first one."""
    other = POST.replace("7351234567890123456", "7351234567890123000")
    record = extract(other, fixture("video.html"))
    assert "page: the page's state is for post 7351234567890123456, not 7351234567890123000; not used" in (
        record.unreadable
    )
    assert record.post_id == "7351234567890123000" and record.author is not None
    assert record.author.handle == "@dity_dodomu_example"  # the rendered page's, read from the page
    assert not any(c in record.counts for c in ("views",))


def test_the_rendered_page_alone() -> None:
    html = re.sub(
        r'<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__".*?</script>', "", fixture("video.html"), flags=re.S
    )
    record = extract(POST, html)
    assert record.page_state == "post" and record.post_id == "7351234567890123456"
    assert record.text is not None and record.text.startswith("Марійка вдома!")
    assert record.counts == {"likes": 48200, "shares": 3120, "replies": 812, "bookmarks": 2901}
    assert record.counts_raw["likes"] == "48.2K"
    assert record.media[0].url is not None and record.media[0].url.startswith("https://v16m.tiktokcdn.com/")
    assert len(record.replies) == 3
    assert any("has no post; read from the page" in n for n in record.unreadable)
    assert record.posted_at is None and record.posted_at_raw == "2024-3-15"


def test_an_account_page() -> None:
    record = extract(ACCOUNT, fixture("profile.html"))
    assert record.page_state == "channel" and record.canonical_url == ACCOUNT
    assert record.author is not None and record.author.id == "6980000000000000001"
    assert record.title == "Діти додому"
    assert record.text == "Волонтери. Шукаємо і повертаємо дітей, вивезених до росії.\nПишіть у директ."
    assert record.counts == {"likes": 402117, "followers": 21400, "following": 35, "videos": 48}
    assert [m.post_id for m in record.messages] == [
        "7345000000000000003",
        "7349000000000000002",
        "7351234567890123456",
    ]
    newest = record.messages[-1]
    assert newest.counts == {"views": 1_300_000} and newest.counts_raw == {"views": "1.3M"}
    assert newest.text == "Марійка вдома! 12-річну дівчинку вивезли з Олешок…"
    assert newest.media[0].url is None and newest.media[0].thumbnail_url is not None


# ---------------------------------------------------------------- what the page shows instead


def test_deleted_and_login_wall_fixtures() -> None:
    deleted = extract(POST, fixture("deleted.html"))
    assert deleted.page_state == "deleted" and deleted.post_id == "7351234567890123456"
    assert deleted.unreadable == (
        'post: TikTok has no such post (code 10204): deleted, or an id never used ("item doesn\'t exist")',
    )
    wall = extract(POST, fixture("login-wall.html"))
    assert wall.page_state == "login_wall"
    assert wall.unreadable == ("post: TikTok shows the post only to logged-in accounts (code 10222)",)
    assert not deleted.complete and not wall.complete


@pytest.mark.parametrize(
    ("status", "message", "body", "state"),
    [
        (10216, "", "", "login_wall"),
        (10231, "", "<p>This video is not available in your region</p>", "geo_blocked"),
        (10222, "This post may not be comfortable for some audiences. Log in for access.", "", "age_gate"),
        (10222, "", "<p>Log in to confirm your age</p>", "age_gate"),
        (10299, "unexpected", "<p>Видео сейчас недоступно</p>", "deleted"),
    ],
)
def test_status_codes(status: int, message: str, body: str, state: str) -> None:
    record = extract(POST, page({"webapp.video-detail": {"statusCode": status, "statusMsg": message}}, body))
    assert record.page_state == state
    assert record.post_id == "7351234567890123456" and len(record.unreadable) == 1


@pytest.mark.parametrize(
    ("body", "state"),
    [
        ('<div id="captcha_container"><p>Verify to continue:</p><p>Drag the slider to fit the puzzle</p>',
         "rate_limited"),
        ("<p>Maximum number of attempts reached. Try again later.</p>", "rate_limited"),
        ("<p>Слишком много попыток. Повторите попытку позже.</p>", "rate_limited"),
        ("<h1>TikTok is not available in your country</h1>", "geo_blocked"),
        ("<p>Это видео недоступно в вашем регионе</p>", "geo_blocked"),
        ("<p>Video currently unavailable</p><p>Sorry about that! Please try again later.</p>", "deleted"),
        ("<h2>Log in to TikTok</h2><p>Use QR code</p>", "login_wall"),
        ("<h2>Войти в TikTok</h2>", "login_wall"),
    ],
)  # fmt: skip
def test_the_page_s_words_without_a_state(body: str, state: str) -> None:
    record = extract(POST, f'<html><body><div id="app" data-e2e="x">{body}</div></body></html>')
    assert record.page_state == state and record.post_id == "7351234567890123456"


def test_account_states() -> None:
    gone = {"webapp.user-detail": {"statusCode": 10221, "statusMsg": "user not exist"}}
    missing = extract(ACCOUNT, page(gone, "<p>Couldn't find this account</p>"))
    assert missing.page_state == "not_found" and missing.author is not None
    assert missing.author.handle == "@dity_dodomu_example"
    private = extract(
        ACCOUNT, fixture("profile.html").replace('"privateAccount":false', '"privateAccount":true')
    )
    assert (
        private.page_state == "login_wall"
        and private.author is not None
        and private.counts["followers"] == 21400
    )
    assert any("the account is private" in n for n in private.unreadable)


def test_a_prompt_over_a_post_is_noted_not_mistaken_for_a_wall() -> None:
    html = fixture("video.html").replace(
        '<div id="app">', '<div id="app"><div role="dialog"><h2>Log in to TikTok</h2></div>'
    )
    record = extract(POST, html)
    assert record.page_state == "post" and record.post_id == "7351234567890123456"
    assert "page: a prompt covered the post: 'log in to tiktok'" in record.unreadable


def test_a_page_that_is_not_tiktok_s() -> None:
    assert TikTokProfile().extract(POST, "<html><body><p>hello</p></body></html>") is None
    record = extract(POST, page({"webapp.app-context": {}}, '<div data-e2e="recommend-list"></div>'))
    assert record.page_state == "unknown" and record.post_id == "7351234567890123456"


# ---------------------------------------------------------------- hostile pages


def test_broken_and_hostile_state() -> None:
    broken = extract(
        POST, fixture("video.html").replace('"__DEFAULT_SCOPE__":{', '"__DEFAULT_SCOPE__":{,', 1)
    )
    said = "page: TikTok's page state: <script id=__UNIVERSAL_DATA_FOR_REHYDRATION__> is not valid JSON"
    assert any(n.startswith(said) for n in broken.unreadable)
    assert broken.page_state == "post" and broken.text is not None  # read from the rendered page
    deep = extract(POST, f'<div data-e2e="x"></div>{STATE.replace("{}", "[" * 100_000 + "]" * 100_000)}')
    assert any("nested too deeply" in n for n in deep.unreadable)
    huge = '{"__DEFAULT_SCOPE__":{"x":"' + "ж" * 8_100_000 + '"}}'
    big = extract(POST, f'<div data-e2e="x"></div>{STATE.replace("{}", huge)}')
    assert any("larger than 8,000,000 characters" in n for n in big.unreadable)


def test_wrong_types_everywhere() -> None:
    item = {
        "id": "7351234567890123456", "desc": ["not", "text"], "createTime": "abc", "author": "someone",
        "stats": [1, 2], "statsV2": {"playCount": {"a": 1}, "diggCount": True, "commentCount": -5},
        "video": {"width": "wide", "height": 1e30, "duration": "NaN", "playAddr": 42, "cover": None},
        "music": "x", "textExtra": {"a": 1}, "imagePost": {"images": "none"}, "duetInfo": [],
        "textLanguage": {"x": 1},
    }  # fmt: skip
    record = extract(
        POST, page({"webapp.video-detail": {"itemInfo": {"itemStruct": item}, "statusCode": "0"}})
    )
    assert record.page_state == "post" and record.post_id == "7351234567890123456"
    assert record.author is None and record.text is None and record.counts == {}
    assert "posted_at: createTime is not a Unix time: 'abc'" in record.unreadable
    PostRecord.from_json(json.loads(json.dumps(record.to_json())))


def test_control_characters_markup_and_many_comments() -> None:
    item = item_of(fixture("video.html"))
    item["desc"] = "до <script>alert(1)</script>\x00\x07після\u202e"
    thread = (
        '<div class="DivCommentObjectWrapper"><div class="DivCommentItemWrapper">'
        '<span data-e2e="comment-level-1">коментар\x1b[31m</span></div></div>'
    )
    html = page({"webapp.video-detail": {"itemInfo": {"itemStruct": item}, "statusCode": 0}}, thread * 5000)
    record = extract(POST, html)
    assert record.text == "до <script>alert(1)</script>після\u202e"
    assert len(record.replies) == MAX_REPLIES and record.replies[0].text == "коментар[31m"
    assert "replies: the page showed 5000 comments; the first 100 are kept (at most 100)" in record.unreadable


_FRAGMENTS = st.sampled_from(
    [
        STATE[:-11],
        '{"__DEFAULT_SCOPE__":{"webapp.video-detail":{"itemInfo":{"itemStruct":{"id":"7351234567890123456",',
        '"statusCode":10204',
        '"createTime":"1710490937"',
        '"author":{"uniqueId":"',
        '"desc":"',
        "}}}}",
        "</script>",
        '<div class="DivCommentObjectWrapper">',
        '<span data-e2e="comment-level-1">',
        '<div data-e2e="user-post-item">',
        '<a href="/@',
        '<div data-e2e="browse-video-desc">',
        '<video src="',
        "</div>",
        '">',
        "\x00",
        "\ud800",
        "Video currently unavailable",
        "Log in to TikTok",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_FRAGMENTS, st.text(max_size=30)), max_size=40))
def test_arbitrary_markup_never_breaks_extraction(parts: list[str]) -> None:
    html = "".join(parts)
    for url in (POST, ACCOUNT, "https://vm.tiktok.com/ZMexample1/"):
        record = TikTokProfile().extract(url, html)
        if record is not None:
            text = json.dumps(record.to_json(), ensure_ascii=False)
            assert PostRecord.from_json(json.loads(text)) == record


@pytest.mark.parametrize(
    ("url", "name"), [(POST, "video.html"), (ACCOUNT, "profile.html"), (POST, "deleted.html")]
)
def test_json_round_trip(url: str, name: str) -> None:
    record = extract(url, fixture(name))
    assert PostRecord.from_json(json.loads(json.dumps(record.to_json(), ensure_ascii=False))) == record


# ---------------------------------------------------------------- prepare, in a real Chromium


def _on_post(html: str) -> Serve:
    """``html`` for the video's page; the comments' requests never answered; anything else refused."""
    return lambda url: html if url.startswith(POST) else HANG if "/api/comment/list/" in url else None


@pytest.mark.slow
def test_prepare_is_bounded_when_the_comments_never_come() -> None:
    async def run(page: Any) -> tuple[list[str], str | None]:
        await page.goto(POST, wait_until="load")
        notes = await asyncio.wait_for(TikTokProfile().prepare(page, 3.0, replies=5), 60)
        return notes, await page.evaluate("document.documentElement.getAttribute('data-vestige-replies')")

    notes, mark = asyncio.run(in_chromium(_on_post(fixture("video-live.html")), run))
    assert mark == "5"
    assert "tiktok: opened the truncated description" in notes
    assert "tiktok: 0 comment(s) shown after 0 scroll(s) of the comment panel" in notes


@pytest.mark.slow
def test_prepare_is_bounded_when_the_page_never_answers() -> None:
    busy = fixture("video-live.html").replace(
        "<script>", "<script>setTimeout(() => { for (;;) {} }, 300);", 1
    )

    async def run(page: Any) -> list[str]:
        await page.goto(POST, wait_until="load")
        await asyncio.sleep(0.5)  # the page's script is now looping for ever
        notes: list[str] = await asyncio.wait_for(TikTokProfile().prepare(page, 3.0, replies=5), 60)
        return notes

    notes = asyncio.run(in_chromium(_on_post(busy), run))
    assert notes == ["tiktok: no comments loaded: the page did not answer"]
