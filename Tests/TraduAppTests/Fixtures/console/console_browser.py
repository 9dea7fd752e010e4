#!/usr/bin/env python3
"""The console in a real browser (Debian's chromium, driven by Playwright), against a live `tradu serve` with a
run in progress. Driven by ConsoleBrowserTests, which starts the servers, the controller and the worker.

Environment: BASE (the console under --base-path, tokens required), PUBLIC_BASE (a --public-read server at the
root), READ_TOKEN, OPERATE_TOKEN, SHOTS (the screenshots' folder), CHROMIUM (the browser's executable).
Prints one line per step; exits 1 at the first expectation that does not hold.
"""
import os
import re
import sys
import time

from playwright.sync_api import expect, sync_playwright

BASE = os.environ["BASE"].rstrip("/")
PUBLIC_BASE = os.environ["PUBLIC_BASE"].rstrip("/")
READ_TOKEN = os.environ["READ_TOKEN"]
OPERATE_TOKEN = os.environ["OPERATE_TOKEN"]
SHOTS = os.environ["SHOTS"]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
expect.set_options(timeout=15_000)


def step(text):
    print("step:", text, flush=True)


def shot(page, name, full_page=True):
    path = os.path.join(SHOTS, name + ".png")
    page.screenshot(path=path, full_page=full_page)
    print("screenshot:", path, flush=True)


def sign_in_with_keyboard(page, token):
    """Signs in from the sign-in page with the keyboard only: the token field has the focus, Enter submits."""
    expect(page.locator("#token")).to_be_focused()
    page.keyboard.type(token)
    page.keyboard.press("Enter")
    page.wait_for_load_state()


def tab_to(page, predicate_js, limit=80):
    """Presses Tab until the focused element matches `predicate_js` (a JS function of the element)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(f) => { const e = document.activeElement; return e ? (%s)(e) : false }" % predicate_js, None):
            return
    raise AssertionError("no element matching %s reachable with Tab" % predicate_js)


def final_count(page):
    return int(page.locator("article[data-pipeline=translate] strong[data-final]").get_attribute("data-final"))


def main():
    os.makedirs(SHOTS, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 860}, color_scheme="light")
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        step("a reader without a session is sent to sign in, under the base path")
        page.goto(BASE + "/")
        expect(page).to_have_url(re.compile(re.escape(BASE) + r"/sign-in\?next="))
        expect(page.locator("h1")).to_have_text("Sign in")
        shot(page, "sign-in", full_page=False)
        page.keyboard.type("not-a-token")
        page.keyboard.press("Enter")
        expect(page.locator("[role=alert]")).to_contain_text("not one of this server's")

        step("sign in with the read token, keyboard only")
        sign_in_with_keyboard(page, READ_TOKEN)
        expect(page).to_have_url(BASE + "/")
        expect(page.locator(".session .who")).to_contain_text("viewer")
        cookies = [c for c in context.cookies() if c["name"] == "tradu_session"]
        assert cookies and cookies[0]["httpOnly"] and cookies[0]["sameSite"] == "Strict", cookies
        assert cookies[0]["path"] == "/tradu", cookies

        step("the overview's progress moves without a reload")
        expect(page.locator("article[data-pipeline=translate]")).to_be_visible()
        first = final_count(page)
        deadline = time.time() + 40
        while final_count(page) == first and time.time() < deadline:
            page.wait_for_timeout(500)
        moved = final_count(page)
        assert moved > first, "the overview did not move: %d final before and after 40 s" % first
        expect(page.locator("article[data-pipeline=translate] [data-rate]")).to_contain_text("blocks/s", timeout=20_000)
        print("progress: %d → %d final blocks" % (first, moved), flush=True)
        assert page.locator("details.action").count() == 0, "a read identity is offered actions"
        shot(page, "overview")
        dark = browser.new_context(viewport={"width": 1280, "height": 860}, color_scheme="dark")
        dark.add_cookies(context.cookies())
        dark_page = dark.new_page()
        dark_page.goto(BASE + "/")
        expect(dark_page.locator("article[data-pipeline=translate]")).to_be_visible()
        background = dark_page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(13, 17, 23)", "the dark theme does not follow the system: " + background
        shot(dark_page, "overview-dark")
        dark.close()

        step("filter blocks to the failed ones")
        page.goto(BASE + "/environments/dev/blocks")
        deadline = time.time() + 60
        while True:
            page.select_option("select[name=state]", "failed")
            page.get_by_role("button", name="Filter").click()
            page.wait_for_load_state()
            if page.locator("table.blocks tbody tr").count() > 0 or time.time() > deadline:
                break
            page.wait_for_timeout(1000)
        expect(page).to_have_url(re.compile(r"state=failed"))
        rows = page.locator("table.blocks tbody tr")
        assert rows.count() > 0, "no failed block within 60 s"
        states = page.locator("table.blocks tbody .state").all_inner_texts()
        assert set(states) == {"failed"}, states
        assert page.locator("table.blocks tbody td.error-text").first.inner_text().strip() != ""
        shot(page, "blocks-failed")

        step("a failed block's timeline, without a retry button for the read identity")
        page.locator("table.blocks tbody a").first.click()
        page.wait_for_load_state()
        block_url = page.url
        expect(page.locator("table.timeline tbody tr").first).to_be_visible()
        steps = page.locator("table.timeline tbody tr")
        assert steps.count() >= 4, "a failed block has at least created, enqueued, in process, failed"
        expect(page.locator("table.timeline")).to_contain_text("failed")
        expect(page.locator("table.timeline .lane").first).to_be_visible()
        assert page.locator("summary", has_text="Retry").count() == 0, "a read identity sees Retry"
        before = steps.count()

        step("sign out, sign in with the operate token")
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_load_state()
        page.goto(BASE + "/sign-in?next=" + block_url[len(BASE.split("/tradu")[0]):])
        sign_in_with_keyboard(page, OPERATE_TOKEN)
        expect(page).to_have_url(block_url)
        expect(page.locator(".session .who")).to_contain_text("ana")
        shot(page, "block-timeline")

        step("retry the failed block with the keyboard: confirmation and reason")
        tab_to(page, "e => e.tagName === 'SUMMARY' && e.textContent.startsWith('Retry')")
        page.keyboard.press("Enter")
        expect(page.locator("details.action[open] input[name=reason]")).to_be_visible()
        page.keyboard.press("Tab")
        expect(page.locator("details.action[open] input[name=reason]")).to_be_focused()
        page.keyboard.type("engine fixed, browser test")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        expect(page).to_have_url(block_url)
        after = page.locator("table.timeline tbody tr").count()
        assert after > before, "the retry added no step to the block's path (%d before, %d after)" % (before, after)
        expect(page.locator("table.timeline")).to_contain_text("retried")

        step("the retry is in the history, with who and why")
        page.get_by_role("link", name="History").click()
        page.wait_for_load_state()
        audit = page.locator("section[aria-labelledby=audit] table")
        expect(audit).to_contain_text("console:ana")
        expect(audit).to_contain_text("engine fixed, browser test")
        shot(page, "history")

        step("a form from another origin is refused")
        response = page.request.post(
            block_url + "/cancel", form={"reason": "forged"}, headers={"Origin": "http://evil.example"})
        assert response.status == 403, response.status
        response = page.request.post(block_url + "/cancel", form={"reason": "no form token"})
        assert response.status == 403, "an action without the session's form token was accepted: %d" % response.status

        step("a --public-read server shows the overview without signing in, and no action")
        public = browser.new_context(viewport={"width": 1280, "height": 860})
        public_page = public.new_page()
        public_page.goto(PUBLIC_BASE + "/")
        expect(public_page).to_have_url(PUBLIC_BASE + "/")
        expect(public_page.locator("article[data-pipeline=translate]")).to_be_visible()
        expect(public_page.locator(".session")).to_contain_text("public read")
        assert public_page.locator("details.action").count() == 0
        public.close()

        assert not errors, "script errors: %s" % errors
        browser.close()
    print("console browser test: passed", flush=True)


if __name__ == "__main__":
    try:
        main()
    except AssertionError as failure:
        print("FAILED:", failure, file=sys.stderr, flush=True)
        sys.exit(1)
