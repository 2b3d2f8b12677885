"""The Bluesky profile on saved DOMs of the bsky.app look-alike (tests/assets/platforms/bluesky/): URL forms,
every field of a post, its replies and a profile, the states shown instead of a post, hostile pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from vestige.archiver.profiles import PostRecord, select_profile
from vestige.archiver.profiles.bluesky import BlueskyProfile, bluesky_target
from vestige.archiver.profiles.post import MAX_REPLIES, MAX_TEXT

ASSETS = Path(__file__).parents[1] / "assets" / "platforms" / "bluesky"
APP = "https://bsky.app"
POST = f"{APP}/profile/povernennia-dity.bsky.social/post/3kxq2vfzbwk2a"
DID = "did:plc:mmwago433atvx4yihczv5pwy"
VIDEO = f"https://video.bsky.app/watch/{DID.replace(':', '%3A')}/bafkreivideo3kxq2vfzbwk2a"


def extract(url: str, name: str) -> PostRecord:
    record = BlueskyProfile().extract(url, (ASSETS / name).read_text(encoding="utf-8"))
    assert record is not None
    return record


def page(body: str, head: str = "") -> str:
    return (
        f"<!DOCTYPE html><html lang='en'><head>{head}</head><body><div id='root'>{body}</div></body></html>"
    )


@pytest.mark.parametrize(
    "url",
    [
        POST,
        f"{APP}/profile/{DID}/post/3kxq2vfzbwk2a",
        f"{POST}/liked-by",
        f"{POST}/reposted-by",
        f"{POST}?ref_src=embed",
        "http://bsky.app/profile/povernennia-dity.bsky.social",
        "https://www.bsky.app/profile/jay.bsky.team",
        f"{APP}/profile/{DID}",
        f"{APP}/profile/did:web:example.org",
        "https://go.bsky.app/HrJ4aTx",
    ],
)
def test_urls_it_reads(url: str) -> None:
    assert BlueskyProfile().matches(url)


@pytest.mark.parametrize(
    "url",
    [
        APP,
        f"{APP}/",
        f"{APP}/search?q=diti",
        f"{APP}/profile/povernennia-dity.bsky.social/feed/aaa",
        f"{APP}/profile/povernennia-dity.bsky.social/post/3kxq2vfzbwk2a/embed",
        f"{APP}/profile/not_a_handle/post/3kxq2vfzbwk2a",
        f"{APP}/profile/nodots/post/3kxq2vfzbwk2a",
        f"{APP}/profile/a.b/post/with spaces",
        "https://bsky.social/profile/povernennia-dity.bsky.social",
        "https://bsky.app.evil.example/profile/povernennia-dity.bsky.social",
        "https://example.org/profile/povernennia-dity.bsky.social/post/3kxq2vfzbwk2a",
        "https://go.bsky.app/",
        "https://go.bsky.app/a/b",
        "at://did:plc:mmwago433atvx4yihczv5pwy/app.bsky.feed.post/3kxq2vfzbwk2a",
        "ftp://bsky.app/profile/povernennia-dity.bsky.social",
        "https://[::1/profile/x.y",
        "",
    ],
)
def test_urls_it_leaves_alone(url: str) -> None:
    assert not BlueskyProfile().matches(url)
    assert bluesky_target(url) is None


def test_post_urls_select_the_bluesky_profile() -> None:
    assert select_profile(POST).name == "bluesky"
    assert select_profile(f"{APP}/profile/{DID}").name == "bluesky"


def test_the_post() -> None:
    record = extract(POST, "post.html")
    assert record.platform == "bluesky" and record.profile == "bluesky" and record.page_state == "post"
    assert record.post_id == "3kxq2vfzbwk2a"
    assert record.canonical_url == POST
    assert record.author is not None
    assert record.author.display_name == "Повернення дітей · моніторинг"
    assert record.author.handle == "@povernennia-dity.bsky.social"
    assert record.author.id == DID
    assert record.author.profile_url == f"{APP}/profile/povernennia-dity.bsky.social"
    # The exact time as the server declares it (indexedAt); the app shows it without an offset.
    assert record.posted_at == "2024-03-15T08:42:17.514000Z"
    assert record.posted_at_raw == "2024-03-15T08:42:17.514Z"
    assert "article:published_time" in record.sources["posted_at"]
    assert record.text is not None and record.text.startswith("Ще 11 дітей з Херсонщини")
    assert "відео нижче.\n\nДокументи передано" in record.text
    assert record.links == (
        "https://legal-aid.example.org/cases/2024-117",
        "https://bsky.app/hashtag/ПовернітьДітей",
    )
    assert record.language is None and any(n.startswith("language:") for n in record.unreadable)
    [video] = record.media
    assert video.type == "video"
    assert video.url == f"{VIDEO}/playlist.m3u8" and video.thumbnail_url == f"{VIDEO}/thumbnail.jpg"
    # Rounded on the page ("1.3K likes"), exact in the server's tags.
    assert record.counts == {"likes": 1312, "shares": 48, "quotes": 5, "replies": 7}
    assert record.counts_raw["quotes"] == "5 quotes"
    assert "twitter:value2" in record.sources["counts.likes"]
    assert record.reply_to is not None
    assert record.reply_to.url == f"{APP}/profile/monitor-ombudsman.bsky.social/post/3kxpzm4ahgk2c"
    assert record.reply_to.name == "Моніторингова група (приклад)"
    assert record.quote_of is not None
    assert record.quote_of.url == f"{APP}/profile/news-example.bsky.social/post/3kxnvq7rfte2d"
    assert record.quote_of.text is not None and record.quote_of.text.startswith("Российский омбудсмен")
    assert record.discovery["at_uri"] == f"at://{DID}/app.bsky.feed.post/3kxq2vfzbwk2a"
    assert record.discovery["oembed"].startswith("https://embed.bsky.app/oembed?format=json&url=at%3A")
    assert record.edited is None  # Bluesky posts cannot be edited; the page says nothing of it
    assert record.complete


def test_the_replies() -> None:
    record = extract(POST, "post.html")
    handles = [r.author.handle for r in record.replies if r.author]
    assert handles == [
        "@olena-kovalenko.bsky.social",
        "@povernennia-dity.bsky.social",  # the post's author, answering the first reply (flattened)
        "@kharkiv-volunteers.bsky.social",
        "@marta-example.bsky.social",
        "@legal-aid-example.bsky.social",
        "@ivan-example.bsky.social",
        "@reporter-example.bsky.social",
    ]
    first = record.replies[0]
    assert first.page_state == "post" and first.post_id == "3kxq3a2b4cd2e"
    assert first.canonical_url == f"{APP}/profile/olena-kovalenko.bsky.social/post/3kxq3a2b4cd2e"
    assert first.author is not None and first.author.display_name == "Олена Коваленко"
    assert first.author.id is not None and first.author.id.startswith("did:plc:")  # from the avatar's URL
    # Replies show their time only in the browser's time zone (the fixture was saved in UTC), unconverted.
    assert first.posted_at is None and first.posted_at_raw == "March 15, 2024 at 9:01 AM"
    assert any("local time zone" in n for n in first.unreadable)
    assert first.counts == {"likes": 54, "shares": 3, "replies": 1}
    photos = record.replies[2]
    assert [m.type for m in photos.media] == ["image", "image"]
    assert (
        photos.media[0].thumbnail_url is not None
        and "/img/feed_thumbnail/plain/" in photos.media[0].thumbnail_url
    )
    assert photos.media[0].url is not None and "/img/feed_fullsize/plain/" in photos.media[0].url
    assert record.replies[3].text is not None and "лагере «Лучистый»" in record.replies[3].text
    # A long reply is clamped on screen behind "Show more", but its whole text is in the page.
    long = record.replies[4].text or ""
    assert long.count("\n") == 25 and long.endswith("25. ваші контакти для зв'язку")
    assert all(not r.replies for r in record.replies)


def test_a_profile_is_a_channel() -> None:
    record = extract(f"{APP}/profile/povernennia-dity.bsky.social", "profile.html")
    assert record.page_state == "channel" and record.complete
    assert record.author is not None and record.author.id == DID
    assert record.author.handle == "@povernennia-dity.bsky.social"
    assert record.title == "Повернення дітей · моніторинг"
    assert record.text is not None and record.text.startswith("Громадський моніторинг")
    assert record.counts == {"followers": 10500, "following": 214}
    assert [m.post_id for m in record.messages] == ["3kxk2v3w4xy2n", "3kxm4r5s6tu2m", "3kxq2vfzbwk2a"]
    assert record.messages[-1].media[0].type == "video"


def test_login_wall() -> None:
    url = f"{APP}/profile/tykha-svidok.bsky.social/post/3kybvd2xs4a2l"
    record = extract(url, "login-wall.html")
    assert record.page_state == "login_wall" and not record.complete
    assert record.post_id == "3kybvd2xs4a2l" and record.canonical_url == url
    assert record.author is not None and record.author.display_name == "Свідок"
    assert record.text is None and not record.media
    assert any("visible only to people who are signed in" in n for n in record.unreadable)


def test_deleted() -> None:
    url = f"{APP}/profile/povernennia-dity.bsky.social/post/3kwdeletedxx2"
    record = extract(url, "deleted.html")
    assert record.page_state == "deleted" and record.post_id == "3kwdeletedxx2"
    assert any("'Post not found'" in n for n in record.unreadable)


@pytest.mark.parametrize(
    ("shown", "state"),
    [
        ("<i>You must sign in to view this post.</i>", "login_wall"),
        ("This user has requested that their content only be shown to signed-in users.", "login_wall"),
        ("Пост не найден", "deleted"),
        ("Post has been deleted", "deleted"),
        ("Error loading post. You've reached the maximum number of requests allowed.", "rate_limited"),
        ("Вы достигли максимально допустимого количества запросов. Повторите попытку позже.", "rate_limited"),
        ("Post blocked", "unknown"),
        ("Profile not found", "not_found"),
    ],
)
def test_states_in_the_apps_words(shown: str, state: str) -> None:
    record = BlueskyProfile().extract(POST, page(f"<div class='error'><div dir='auto'>{shown}</div></div>"))
    assert record is not None and record.page_state == state and not record.complete
    assert record.post_id == "3kxq2vfzbwk2a"


def test_a_post_that_says_post_not_found_is_still_the_post() -> None:
    item = (
        '<div data-testid="postThreadItem-by-a.bsky.social"><div data-testid="postText">Post not found? '
        "You must sign in to view this post.</div></div>"
    )
    record = BlueskyProfile().extract(POST, page(item))
    assert record is not None and record.page_state == "post"
    assert record.text == "Post not found? You must sign in to view this post."


def test_a_page_that_is_not_bluesky_gives_nothing() -> None:
    assert BlueskyProfile().extract(POST, page("<p>Hello</p>")) is None
    assert BlueskyProfile().extract(POST, "") is None


def test_server_tags_for_another_post_are_not_taken() -> None:
    head = '<link rel="alternate" href="at://did:plc:aaaaaaaaaaaaaaaaaaaaaaaa/app.bsky.feed.post/other">'
    head += '<meta property="article:published_time" content="2020-01-01T00:00:00Z">'
    item = '<div data-testid="postThreadItem-by-a.bsky.social"><div data-testid="postText">x</div></div>'
    record = BlueskyProfile().extract(POST, page(item, head))
    assert record is not None and record.posted_at is None and "at_uri" not in record.discovery
    assert any("do not describe this post" in n for n in record.unreadable)


def test_hostile_pages_are_bounded() -> None:
    control = "".join(chr(c) for c in (0, 7, 27, 127, 0x9B))
    reply = (
        '<div data-testid="postThreadItem-by-x.bsky.social">'
        '<a href="/profile/x.bsky.social/post/3kaaaaaaaaaa{i}" '
        f'title="t">1h</a><div data-testid="postText">{control}reply {{i}}</div></div>'
    )
    anchor = (
        '<div data-testid="postThreadItem-by-a.bsky.social">'
        '<div data-testid="likeCount-expanded">9 likes</div>'
        f'<div data-testid="postText">{"ы" * (MAX_TEXT + 10)}</div>'
        + '<img src="https://cdn.bsky.app/img/feed_thumbnail/plain/did:plc:x/c@jpeg">' * 500
        + "</div>"
    )
    html = page(anchor + "".join(reply.format(i=i) for i in range(3000)))
    record = BlueskyProfile().extract(POST, html)
    assert record is not None and record.page_state == "post"
    assert record.text is not None and len(record.text) == MAX_TEXT
    assert len(record.replies) == MAX_REPLIES
    assert record.replies[0].text == "reply 0"  # control characters removed
    assert any(n.startswith("replies:") for n in record.unreadable)
    assert len(record.media) == 1  # the same image 500 times is one item


def test_deeply_nested_and_malformed_markup() -> None:
    deep = "<div>" * 100_000 + "</div>" * 100_000
    html = page(
        deep + '<div data-testid="postThreadItem-by-"><div data-testid="postText">no handle</div>'
        '<a href="javascript:alert(1)" title="x">x</a><video poster="javascript:1"></video>'
        '<div data-testid="likeCount-expanded">lots</div></div>'
    )
    record = BlueskyProfile().extract(POST, html)
    assert record is not None and record.text == "no handle"
    assert record.author is None and record.counts == {"likes": None}
    assert any("not a number" in n for n in record.unreadable)
    assert any("video" in n for n in record.unreadable)


def test_records_round_trip_through_json() -> None:
    for url, name in ((POST, "post.html"), (f"{APP}/profile/povernennia-dity.bsky.social", "profile.html")):
        record = extract(url, name)
        assert PostRecord.from_json(record.to_json()) == record
