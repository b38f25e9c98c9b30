"""The whole journey with the keyboard alone, the focus always visible on the screen.

Only `page.keyboard` moves through the pages: Tab and Shift+Tab, the arrow keys within a group
of radio buttons, Space to choose, Enter to follow a link or send a form, and typing. After every
key that moves the focus, the element focused must be on screen and show that it has the focus.
Arabic is the language: the layout is mirrored, which is where focus most often goes astray.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from playwright.sync_api import Page, expect

from .conftest import OpenContext
from .journey import (
    GUIDE_ANSWERS,
    MEDIATEUR,
    WRITTEN,
    Dialogs,
    Institution,
    exactly,
    expect_page,
    expect_step,
    expect_the_case,
    expect_the_guide_answer,
    expect_the_summary,
    expect_the_track_form,
    navigating,
    needs_chromium,
    question_on_page,
    read_the_receipt,
    wait_for_the_case,
    words,
)

pytestmark = needs_chromium

LANGUAGE: Final = "ar"
MOST_KEYS_PER_TARGET: Final = 60
FOCUSED: Final = """() => {
  const e = document.activeElement;
  if (!e || e === document.body || e === document.documentElement) { return null; }
  const box = e.getBoundingClientRect();
  const style = getComputedStyle(e);
  const within = e.parentElement ? e.parentElement.closest("[id]") : null;
  return {
    tag: e.tagName.toLowerCase(),
    id: e.id,
    name: e.getAttribute("name") || "",
    value: typeof e.value === "string" ? e.value : "",
    href: e.getAttribute("href") || "",
    action: e.form ? e.form.getAttribute("action") || "" : "",
    inside: within ? within.id : "",
    checked: e.checked === true,
    html: e.outerHTML.slice(0, 200),
    left: box.left, top: box.top, right: box.right, bottom: box.bottom,
    width: box.width, height: box.height,
    viewportWidth: window.innerWidth, viewportHeight: window.innerHeight,
    marked: style.outlineStyle !== "none" || style.boxShadow !== "none",
  };
}"""


@dataclass(frozen=True)
class Focus:
    """The element that has the focus, and where it is drawn."""

    tag: str
    id: str
    name: str
    value: str
    href: str
    action: str
    inside: str
    checked: bool
    html: str
    left: float
    top: float
    right: float
    bottom: float
    width: float
    height: float
    viewportWidth: float  # noqa: N815 - as the browser names it
    viewportHeight: float  # noqa: N815
    marked: bool

    def on_screen(self) -> bool:
        """Drawn, and shown in the viewport: not hidden, off screen or scrolled away.

        As WCAG 2.4.11 asks, the element need not be wholly in view (the browser scrolls a tall
        field only until part of it shows), but a piece of it at least 24 px each way, or the
        whole of it where it is smaller, must be.
        """
        if self.width <= 0 or self.height <= 0:
            return False
        shown_wide = min(self.right, self.viewportWidth) - max(self.left, 0)
        shown_high = min(self.bottom, self.viewportHeight) - max(self.top, 0)
        return shown_wide >= min(self.width, 24) - 0.5 and shown_high >= min(self.height, 24) - 0.5


class Keyboard:
    """A person using the keyboard only; every move of the focus is checked."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def focus(self) -> Focus:
        seen: dict[str, Any] | None = self.page.evaluate(FOCUSED)
        assert seen is not None, f"nothing has the focus on {self.page.url}"
        focus = Focus(**seen)
        assert focus.on_screen(), f"the focused element is off screen on {self.page.url}: {focus}"
        return focus

    def press(self, key: str) -> Focus:
        self.page.keyboard.press(key)
        focus = self.focus()
        if focus.tag != "main":  # the skip link's target takes the focus without a mark
            assert focus.marked, f"the focus is not shown on {self.page.url}: {focus.html}"
        return focus

    def tab_to(self, wanted: Callable[[Focus], bool], *, backwards: bool = False) -> Focus:
        key = "Shift+Tab" if backwards else "Tab"
        passed: list[str] = []
        for _ in range(MOST_KEYS_PER_TARGET):
            focus = self.press(key)
            if wanted(focus):
                return focus
            passed.append(focus.html[:80])
        raise AssertionError(f"{key} never reached the element wanted on {self.page.url}: {passed}")

    def choose(self, name: str, value: str) -> None:
        """Tab into a group of radio buttons, arrow to the option, Space to choose it."""
        focus = self.tab_to(lambda f: f.name == name)
        options = self.page.locator(f'input[type=radio][name="{name}"]').count()
        for _ in range(options):
            if focus.value == value:
                break
            focus = self.press("ArrowDown")
        assert focus.value == value, f"the arrows never reached {value} in {name}"
        focus = self.press("Space")
        assert focus.checked, f"Space did not choose {value} in {name}"

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def enter(self) -> None:
        """Enter on a link or a button that loads another page; waits for that page."""
        navigating(self.page, lambda: self.page.keyboard.press("Enter"))


def button(go: str) -> Callable[[Focus], bool]:
    return lambda f: f.tag == "button" and f.name == "go" and f.value == go


def sends_to(path: str) -> Callable[[Focus], bool]:
    return lambda f: f.tag == "button" and f.action == path


def test_the_journey_with_the_keyboard_alone(
    open_context: OpenContext, mediateur: Institution
) -> None:
    language, written = LANGUAGE, WRITTEN[LANGUAGE]
    page = open_context(language).new_page()
    dialogs = Dialogs(page)
    keys = Keyboard(page)
    page.goto(f"/{language}/")

    skip = keys.press("Tab")
    assert skip.href == "#main", f"the first Tab does not reach the skip link: {skip.html}"
    page.keyboard.press("Enter")
    assert keys.focus().tag == "main"
    first = keys.press("Tab")
    assert first.href == f"/{language}/guide", f"after the skip link: {first.html}"
    keys.enter()

    for question in GUIDE_ANSWERS:
        assert question_on_page(page) == question
        keys.choose(f"q.{question}", GUIDE_ANSWERS[question])
        keys.tab_to(button("next"))
        keys.enter()
    expect_the_guide_answer(page, language)
    keys.tab_to(sends_to(f"/{language}/submit"))
    keys.enter()

    expect_step(page, language, "What happened")
    keys.tab_to(lambda f: f.id == "respondent_name")
    keys.type(written.respondent + "x")  # a slip of the finger, mended below
    keys.tab_to(lambda f: f.id == "description")
    keys.type(written.description)
    assert keys.press("Shift+Tab").id == "respondent_name"
    page.keyboard.press("End")
    page.keyboard.press("Backspace")
    keys.tab_to(button("next"))
    keys.enter()
    expect_step(page, language, "Anonymous or not")
    keys.choose("s.anonymous", "true")
    keys.tab_to(button("next"))
    keys.enter()
    expect_step(page, language, "Check and send")
    expect_the_summary(page, language)
    keys.tab_to(sends_to(f"/{language}/submit/send"))
    keys.enter()

    reference, receipt = read_the_receipt(page, language)
    keys.tab_to(lambda f: f.href == f"/{language}/track?reference={reference}")
    keys.enter()
    assert dialogs.seen == ["confirm"]
    expect_the_track_form(page, language, reference)
    keys.tab_to(lambda f: f.id == "receipt")
    keys.type(receipt)
    keys.enter()  # Enter in the field sends the form

    def show_my_case() -> None:
        keys.tab_to(lambda f: f.href == f"/{language}/track")
        keys.enter()

    wait_for_the_case(page, language, reference, reopen=show_my_case)
    expect_the_case(page, language)

    assert mediateur.complaint(reference)["respondent_name"] == written.respondent
    mediateur.write(reference, written.reply)
    # The page, kept open, says the case has changed; the link to the latest follows the skip.
    expect(page.locator("#fresh")).to_be_visible(timeout=30_000)
    keys.tab_to(lambda f: f.href == "#main")
    page.keyboard.press("Enter")
    fresh = keys.press("Tab")
    assert fresh.inside == "fresh", f"after the skip link: {fresh.html}"
    keys.enter()
    expect_page(page, language)
    reply = page.locator("main ol.messages > li", has_text=written.reply)
    expect(reply).to_contain_text(MEDIATEUR[language])

    keys.tab_to(lambda f: f.id == "body")
    keys.type(written.answer)
    keys.tab_to(sends_to(f"/{language}/track/reply"))
    keys.enter()
    expect(page.locator("main p.done[role=status]")).to_have_text(
        exactly(words(language, "Your message was sent."))
    )
    expect(page.locator("main ol.messages > li.mine")).to_contain_text(written.answer)
    mediateur.message_from_complainant(reference, written.answer)

    keys.tab_to(sends_to(f"/{language}/track/leave"))
    keys.enter()
    expect_page(page, language, words(language, "Follow my case"))
    expect(page.locator("main p.done[role=status]")).to_be_visible()
