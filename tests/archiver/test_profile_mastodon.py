"""The Mastodon profile on saved DOMs of two look-alike instances (tests/assets/platforms/mastodon/): URL
forms on any host, every field of a status and its thread, a profile recognised from its page by the generic
profile, the instance's error and sign-in pages, hostile pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vestige.archiver.profiles import PostRecord, select_profile
from vestige.archiver.profiles.generic import GenericProfile
from vestige.archiver.profiles.html import parse_html
from vestige.archiver.profiles.mastodon import MastodonProfile, mastodon_markers, mastodon_target
from vestige.archiver.profiles.post import MAX_REPLIES

ASSETS = Path(__file__).parents[1] / "assets" / "platforms" / "mastodon"
STATUS = "https://mastodon.social/@povernennia/112100200300400500"
FILES = "https://files.mastodon.social/media_attachments/files"
STATE = '<script id="initial-state" type="application/json">{state}</script>'
MASTODON_STATE = json.dumps({"meta": {"domain": "social.example.org", "version": "4.3.4"}})


def extract(url: str, name: str) -> PostRecord:
    record = MastodonProfile().extract(url, (ASSETS / name).read_text(encoding="utf-8"))
    assert record is not None
    return record


def page(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html lang='en'><head>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize(
    "url",
    [
        STATUS,
        "https://social.example.org/@olena/112100900000000001",
        "https://mastodon.social/@marta@social.example.org/112100200300400606",
        "https://social.example.org/users/olena/statuses/112100900000000001",
        "https://social.example.org/web/@olena/112100900000000001",
        "https://social.example.org/web/statuses/112100900000000001",
        "http://mastodon.social/@povernennia/1",
        "https://mastodon.social/@povernennia",
        "https://mastodon.social/users/povernennia",
        "https://mastodon.online/@olena@social.example.org",
    ],
)
def test_urls_it_reads(url: str) -> None:
    assert MastodonProfile().matches(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://social.example.org/@olena",  # a profile on an unknown host: recognised from its page instead
        "https://www.youtube.com/@channel",
        "https://www.youtube.com/@channel/123",
        "https://www.tiktok.com/@user/video/7300000000000000000",
        "https://medium.com/@writer/123456",
        "https://www.threads.net/@user/123",
        "https://mastodon.social/@povernennia/abc",
        "https://mastodon.social/@povernennia/1/2",
        "https://mastodon.social/@/1",
        "https://mastodon.social/@bad name/1",
        "https://mastodon.social/users/povernennia/statuses/x",
        "https://mastodon.social/explore",
        "https://mastodon.social/tags/diti",
        "ftp://mastodon.social/@povernennia/1",
        "https://[::1/@x/1",
        "",
    ],
)
def test_urls_it_leaves_alone(url: str) -> None:
    assert not MastodonProfile().matches(url)


def test_selection_leaves_mastodon_to_the_end() -> None:
    assert select_profile(STATUS).name == "mastodon"
    assert select_profile("https://social.example.org/@olena").name == "generic"
    target = mastodon_target("https://mastodon.social/@marta@social.example.org/112100200300400606")
    assert target is not None and (target.user, target.remote) == ("marta", "social.example.org")


def test_the_status() -> None:
    record = extract(STATUS, "status.html")
    assert record.platform == "mastodon" and record.page_state == "post" and record.complete
    assert record.post_id == "112100200300400500" and record.canonical_url == STATUS
    assert record.author is not None
    assert record.author.display_name == "Повернення дітей · моніторинг"
    assert record.author.handle == "@povernennia@mastodon.social"
    assert record.author.id == "109876543210987654"
    assert record.author.profile_url == "https://mastodon.social/@povernennia"
    # Exact times from the JSON-LD; the UI shows them without an offset (recorded in the source).
    assert record.posted_at == "2024-03-15T08:42:17Z" and record.posted_at_raw == "2024-03-15T08:42:17Z"
    assert "the page shows 'Mar 15, 2024" in record.sources["posted_at"]
    assert record.edited is True and record.edited_at == "2024-03-15T09:05:41Z"
    # The content warning (spoiler_text) is the title; the text behind it was opened.
    assert record.title == "Депортація дітей, свідчення матерів"
    assert record.text is not None and record.text.startswith("Ще 11 дітей з Херсонщини")
    assert record.language == "uk"
    assert record.links == (
        "https://legal-aid.example.org/cases/2024-117",
        "https://mastodon.social/tags/ПовернітьДітей",
    )
    [video] = record.media
    assert video.type == "video" and (video.width, video.height) == (1280, 720)
    assert video.url == f"{FILES}/112/100/200/300/400/501/original/svidchennia.mp4"
    assert video.thumbnail_url == f"{FILES}/112/100/200/300/400/501/small/svidchennia.jpg"
    assert video.duration_s == 1.0  # as shown ("0:01")
    assert record.counts == {"likes": 1312, "shares": 48, "replies": 7}
    assert record.reply_to is not None
    assert record.reply_to.url == "https://social.example.org/@monitor/111998877665544332"
    assert record.reply_to.name == "Моніторингова група (приклад)"
    assert record.discovery["activitystreams"] == (
        "https://mastodon.social/users/povernennia/statuses/112100200300400500"
    )
    assert "oembed" in record.discovery
    assert not record.unreadable


def test_the_replies() -> None:
    record = extract(STATUS, "status.html")
    assert [r.post_id for r in record.replies] == [f"11210020030040060{i}" for i in (1, 2, 3, 6, 7, 8, 9)]
    first = record.replies[0]
    assert first.author is not None and first.author.handle == "@olena@social.example.org"
    assert first.author.id == "110000000000000002"
    assert first.canonical_url == "https://social.example.org/@olena/112100200300400601"
    assert first.posted_at == "2024-03-15T09:01:00Z" and first.edited is False
    photos = record.replies[2]  # sensitive media, opened by prepare
    assert [m.url for m in photos.media] == [
        f"{FILES}/112/100/200/300/400/604/original/spysok-1.jpg",
        f"{FILES}/112/100/200/300/400/605/original/spysok-2.jpg",
    ]
    russian = record.replies[3]
    assert russian.language == "ru" and russian.text is not None and "Лучистый" in russian.text
    assert russian.edited is True and russian.edited_at is None
    assert russian.edited_at_raw is not None and russian.edited_at_raw.startswith("Edited Mar 15, 2024")
    assert any(n.startswith("edited_at:") for n in russian.unreadable)
    assert (record.replies[4].text or "").endswith("ваші контакти для зв'язку.")  # "Read more" opened
    assert record.replies[5].title == "не по темі" and record.replies[5].text == "Дякую за роботу. Поширюю."


def test_as_the_page_renders_by_itself() -> None:
    record = extract(STATUS, "status-initial.html")
    assert record.page_state == "post" and record.title == "Депортація дітей, свідчення матерів"
    assert record.text is None and not record.media
    assert record.language == "uk" and record.sources["language"].startswith('meta "og:locale"')
    assert "text: behind a content warning the page did not open ('Show more')" in record.unreadable
    assert len(record.replies) == 2  # the first descendants; "Load more" was not clicked


def test_a_profile_on_any_instance_is_recognised_from_its_page() -> None:
    url = "https://social.example.org/@olena"
    record = GenericProfile().extract(url, (ASSETS / "account.html").read_text(encoding="utf-8"))
    assert record is not None
    assert record.platform == "mastodon" and record.profile == "mastodon" and record.page_state == "channel"
    assert record.sources["profile"].startswith("detected from the page by the generic profile")
    assert "script#initial-state" in record.sources["profile"]
    assert record.author is not None and record.author.handle == "@olena@social.example.org"
    assert record.author.id == "https://social.example.org/users/olena"
    assert record.title == "Олена Коваленко" and record.canonical_url == url
    assert record.counts == {"followers": 310, "following": 95, "posts": 3}
    assert [m.post_id for m in record.messages] == [f"11210090000000000{i}" for i in (1, 2, 3)]
    oldest = record.messages[0]
    assert oldest.media[0].url is not None and oldest.media[0].url.startswith(
        "https://social.example.org/system/media_attachments/"
    )


@pytest.mark.parametrize(
    ("url", "name", "state", "words"),
    [
        (
            "https://mastodon.social/@povernennia/109999999999999999",
            "not-found.html",
            "deleted",
            "isn't here",
        ),
        (
            "https://mastodon.social/@povernennia/112100200300400999",
            "rate-limited.html",
            "rate_limited",
            "Too",
        ),
        (
            "https://social.example.org/@povernennia/112100200300400777",
            "login-wall.html",
            "login_wall",
            "sign in",
        ),
    ],
)
def test_pages_instead_of_the_status(url: str, name: str, state: str, words: str) -> None:
    record = extract(url, name)
    assert record.page_state == state and not record.complete
    assert record.post_id == url.rsplit("/", 1)[1] and record.canonical_url == url
    assert record.author is not None and record.author.handle == f"@povernennia@{url.split('/')[2]}"
    assert any(words in n for n in record.unreadable)


@pytest.mark.parametrize(
    ("url", "shown", "state"),
    [
        (
            "https://social.example.org/@olena",
            "<h1>Страница, которую вы искали, не существует.</h1>",
            "not_found",
        ),
        (STATUS, "<h1>Страница, которую Вы искали, не существует.</h1>", "deleted"),
        (STATUS, "<h1>The page you were looking for doesn't exist here anymore.</h1>", "deleted"),
        (STATUS, "<h1>Слишком много запросов</h1>", "rate_limited"),
        (
            STATUS,
            "<div class='flash-message'>Вам необходимо войти в систему или зарегистрироваться.</div>",
            "login_wall",
        ),
        (STATUS, "<form id='new_user'><input name='user[password]' type='password'></form>", "login_wall"),
        (STATUS, "<div class='empty-column-indicator'>Account suspended</div>", "deleted"),
    ],
)
def test_states_in_the_instances_words(url: str, shown: str, state: str) -> None:
    record = MastodonProfile().extract(url, page(f"<div class='dialog__message'>{shown}</div>"))
    assert record is not None and record.page_state == state


def test_a_suspended_profile() -> None:
    html = page(
        "<div class='account__header'><div class='account__header__tabs__name'><h1><span>Закрито</span>"
        "<small><span>@gone@social.example.org</span></small></h1></div></div>"
        "<div class='empty-column-indicator'>Account suspended</div>"
    )
    record = MastodonProfile().extract("https://mastodon.social/@gone@social.example.org", html)
    assert record is not None and record.page_state == "deleted"
    assert record.author is not None and record.author.handle == "@gone@social.example.org"


def test_a_status_page_the_ui_did_not_render_is_read_from_its_json_ld() -> None:
    html = (ASSETS / "server" / "status.html").read_text(encoding="utf-8")
    record = MastodonProfile().extract(STATUS, html)
    assert record is not None and record.page_state == "post" and record.post_id == "112100200300400500"
    assert record.posted_at == "2024-03-15T08:42:17Z" and record.edited_at == "2024-03-15T09:05:41Z"
    assert record.text is not None and "Ще 11 дітей" in record.text
    assert record.author is not None and record.author.handle == "@povernennia@mastodon.social"
    assert any("did not render" in n for n in record.unreadable)


def test_detection_markers() -> None:
    state = STATE.format(state=MASTODON_STATE)
    assert mastodon_markers(parse_html(page("", state), STATUS))
    root_and_link = '<link rel="alternate" type="application/activity+json" href="/users/x">'
    assert mastodon_markers(parse_html(page("<div id='mastodon'></div>", root_and_link), STATUS))
    # Neither a Mastodon site name nor an ActivityStreams link alone makes a page Mastodon's.
    assert not mastodon_markers(
        parse_html(page("", '<meta property="og:site_name" content="Mastodon">'), STATUS)
    )
    assert not mastodon_markers(parse_html(page("", root_and_link), STATUS))
    for bad in ("{not json", '{"meta": []}', '{"meta": {"domain": 5, "version": "4"}}', "[" * 100_000):
        assert not mastodon_markers(parse_html(page("", STATE.format(state=bad)), STATUS))


def test_generic_keeps_pages_that_are_not_mastodon() -> None:
    html = page("<article>Hello</article>", '<meta property="og:title" content="Hello">')
    record = GenericProfile().extract("https://social.example.org/@olena", html)
    assert record is not None and record.profile == "generic" and "profile" not in record.sources


def test_a_page_with_a_mastodon_shaped_url_that_is_not_mastodon_is_read_by_generic() -> None:
    html = page("<article>Заява</article>", '<meta property="og:title" content="Заява про зникнення">')
    record = MastodonProfile().extract("https://blog.example.org/@author/2024", html)
    assert record is not None and record.profile == "generic" and record.title == "Заява про зникнення"


def test_hostile_pages_are_bounded() -> None:
    control = "".join(chr(c) for c in (0, 8, 27, 127, 0x85))
    status = (
        '<div class="status" data-id="{i}"><a class="status__relative-time" href="/@x/{i}">'
        '<time datetime="not a time">1h</time></a><a class="status__display-name" href="/@x">'
        '<span class="display-name__html">' + control + 'X</span></a><div class="status__content">'
        '<div class="status__content__text" lang="' + "x" * 5000 + '">reply {i}</div></div></div>'
    )
    detailed = '<div class="detailed-status"><div class="status__content__text">main</div></div>'
    html = page(detailed + "".join(status.format(i=i) for i in range(3000)), STATE.format(state="{" * 50_000))
    record = MastodonProfile().extract(STATUS, html)
    assert record is not None and record.text == "main" and len(record.replies) == MAX_REPLIES
    first = record.replies[0]
    assert first.author is not None and first.author.display_name == "X"
    assert first.posted_at is None and any("ISO 8601" in n for n in first.unreadable)
    assert first.language is not None and len(first.language) <= 2000


def test_deep_nesting_and_empty_pages() -> None:
    deep = "<div>" * 100_000 + "</div>" * 100_000
    record = MastodonProfile().extract(STATUS, page(deep + '<div class="detailed-status"></div>'))
    assert record is not None and record.page_state == "post"
    assert any("author" in n for n in record.unreadable)
    assert MastodonProfile().extract(STATUS, page("<p>nothing here</p>")) is None
    assert MastodonProfile().extract(STATUS, "") is None


def test_records_round_trip_through_json() -> None:
    record = extract(STATUS, "status.html")
    assert PostRecord.from_json(record.to_json()) == record
