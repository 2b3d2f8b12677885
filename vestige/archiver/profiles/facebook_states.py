"""What Facebook shows instead of a post, in its own words (English, Russian, Ukrainian).

Asked only when the page holds no post (no message block, no story in its data), so a post that quotes
these words is never taken for them. Wordings are tried in order: a temporary block (rate_limited), a
block in the visitor's country (geo_blocked), an age check (age_gate), "This content isn't available"
(deleted: Facebook says the same for a post deleted and for one shared with a smaller audience), and a
login page or login form (login_wall).
"""

from __future__ import annotations

from .html import Document
from .post import PageState
from .readings import page_words
from .wording import state_said

_QUOTE = "[’']"
_WORDINGS: tuple[tuple[PageState, tuple[str, ...]], ...] = (
    (
        "rate_limited",
        (
            rf"you{_QUOTE}re temporarily blocked",
            r"you are temporarily blocked",
            r"misusing this feature by going too fast",
            r"вы временно заблокированы",
            r"ви тимчасово заблоковані",
            r"rate limit exceeded",
        ),
    ),
    (
        "geo_blocked",
        (
            rf"(?:isn{_QUOTE}t|is not|not) available in your (?:country|region|location)",
            r"restricted in your (?:country|region)",
            r"недоступ\w* в вашей (?:стране|регионе)",
            r"недоступн\w* у вашій (?:країні|країні чи регіоні)",
        ),
    ),
    (
        "age_gate",
        (
            r"age[- ]restricted",
            r"you must be (?:at least )?18",
            r"confirm your (?:age|birthday)",
            r"подтвердите (?:свой )?возраст",
            r"підтвердіть (?:свій )?вік",
        ),
    ),
    (
        "deleted",
        (
            rf"this content isn{_QUOTE}t available",
            r"this content is not available",
            rf"this page isn{_QUOTE}t available",
            r"the link you followed may be broken",
            r"(?:этот )?(?:контент|материал) (?:сейчас )?недоступ\w*",
            r"эта страница недоступна",
            r"(?:цей )?(?:вміст|контент) (?:зараз )?недоступн\w*",
            r"ця сторінка недоступна",
        ),
    ),
    (
        "login_wall",
        (
            r"you must log in to continue",
            r"you must log in to see",
            r"log in to (?:facebook|continue|see)",
            r"log into facebook",
            r"войдите (?:на|в) facebook",
            r"вход (?:на|в) facebook",
            r"чтобы продолжить, войдите",
            r"увійдіть (?:на|у|в) facebook",
        ),
    ),
)
_LOGIN_FORM = '#login_form, form[action*="/login"], form[action*="login.php"], input[name="pass"]'


def facebook_state(doc: Document) -> tuple[PageState, str] | None:
    """Why the page holds no post, in Facebook's words: (state, what it said); None when nothing tells."""
    said = state_said(page_words(doc), _WORDINGS)
    if said is not None:
        return said
    if doc.first(_LOGIN_FORM) is not None:
        return "login_wall", "a login form, and no post"
    return None
