"""What VK shows instead of a post, in its own words, in English and Russian.

An error page (``.message_page_body``, a video's ``#video_ext_msg``) is read first; otherwise the page's
text. Wordings are tried in the order of ``_WORDINGS``: a rate limit or captcha, a block in the visitor's
country, a deletion or a takedown by VK, a page that does not exist, an adult-content warning, a private
profile or community, a login page. ``vk_state`` is asked only when the page does not show what the URL
names, so a post that quotes these words is never taken for them.
"""

from __future__ import annotations

from .html import Document, node_text
from .post import PageState
from .readings import page_words
from .wording import state_said

# (state, VK's wordings in English and Russian) in the order they are tried.
_WORDINGS: tuple[tuple[PageState, tuple[str, ...]], ...] = (
    (
        "rate_limited",
        (
            r"too many requests",
            r"слишком много запросов",
            r"слишком частые запросы",
            r"enter the code from the (?:picture|image)",
            r"введите код с картинки",
        ),
    ),
    (
        "geo_blocked",
        (
            r"(?:not available|unavailable|blocked|restricted) in your (?:country|region)",
            r"is not available in your region",
            r"недоступ\w* в вашей (?:стране|регионе)",
            r"(?:заблокирован|ограничен)\w* на территории",
        ),
    ),
    (
        "deleted",
        (
            r"post (?:was |has been )?deleted",
            r"(?:запись|пост) (?:была |был )?удал[её]н\w*",
            r"материал удал[её]н",
            r"видеозапись (?:была )?удалена",
            r"(?:video|it) has been deleted",
            r"(?:community|page|user|author) (?:has been |was )?(?:blocked|banned)",
            r"(?:сообщество|страница|пользователь|автор) (?:было |была |был )?заблокирован\w*",
            r"removed from public access",
            r"изъят\w* из публичного доступа",
        ),
    ),
    (
        "not_found",
        (
            r"post not found",
            r"запись не найдена",
            r"deleted or (?:has )?not (?:yet )?(?:been )?created",
            r"удален\w* либо (?:ещё|еще) не создан\w*",
            r"page not found",
            r"страница не найдена",
            r"video not found",
            r"видеозапись не найдена",
        ),
    ),
    (
        "age_gate",
        (
            r"(?:under|over|at least) 18",
            r"(?:младше|старше|не младше) 18",
            r"adults only",
            r"только для взрослых",
        ),
    ),
    (
        "login_wall",
        (
            r"this (?:profile|page) is private",
            r"(?:закрытый|приватный) профиль",
            r"закрытая страница",
            r"(?:private|closed) (?:community|group)",
            r"(?:закрытое|частное) сообщество",
            r"(?:log|sign) in to (?:vk|view|see|continue|watch)",
            r"please (?:log|sign) in",
            r"you (?:have|need) to (?:log|sign) in",
            r"войдите,? чтобы",
            r"нужно (?:зайти|войти) на сайт",
            r"вход вконтакте",
            r"войдите в (?:vk|вк)",
        ),
    ),
)
_LOGIN_FORMS = (
    "form#login_form, form#index_login_form, form[action*='login.vk.'], .VkIdForm, #quick_login_form"
)
_CAPTCHA = "img[src*='captcha.php'], .captcha img, #captcha"
_ERROR = ".message_page_body, #video_ext_msg, .video_layer_message"


def vk_state(doc: Document) -> tuple[PageState, str] | None:
    """Why the page does not show the post, in VK's own words: (state, what VK said); None when it says
    nothing that tells."""
    error = doc.first(_ERROR)
    words = node_text(error, 2000) if error is not None else page_words(doc)
    said = state_said(words, _WORDINGS)
    if said is not None:
        return said
    if doc.first(_CAPTCHA) is not None:
        return "rate_limited", "a captcha page"
    if error is not None and words:
        return "not_found", words[:300]  # an error page in words not known here: said as it is
    if doc.first(_LOGIN_FORMS) is not None and doc.first("#page_wall_posts, .wall_posts") is None:
        return "login_wall", "a login form, and no wall"
    return None
