"""Signing in to the dashboard: a token is exchanged for an HttpOnly session cookie."""

import os

import pytest
from playwright.sync_api import expect


@pytest.fixture
def fresh(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.goto(server.url + "/", wait_until="domcontentloaded")
    yield tab
    context.close()


def test_a_wrong_token_is_refused_next_to_the_field(fresh, shot):
    expect(fresh.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(fresh.locator("#main")).to_be_hidden()
    fresh.get_by_label("Access token").fill("urumi_nobody_" + "0" * 64)
    fresh.get_by_role("button", name="Sign in").click()
    expect(fresh.locator("#f-token-error")).to_contain_text("not valid")
    expect(fresh.get_by_label("Access token")).to_have_attribute("aria-invalid", "true")
    expect(fresh.locator("#main")).to_be_hidden()
    shot(fresh, "13-signin-refused")


def test_the_session_cookie_is_httponly_and_strict(fresh):
    fresh.get_by_label("Access token").fill(os.environ["URUMI_ADMIN_TOKEN"])
    fresh.get_by_role("button", name="Sign in").click()
    expect(fresh.locator("#main")).to_be_visible()
    cookies = {c["name"]: c for c in fresh.context.cookies()}
    session = cookies["urumi_session"]
    assert session["httpOnly"] is True and session["sameSite"] == "Strict"
    assert cookies["urumi_csrf"]["httpOnly"] is False
    # Page scripts can't read the session (HttpOnly), only the CSRF token.
    assert "urumi_session" not in fresh.evaluate("document.cookie")
    # A state change without the CSRF header is refused even with the cookie.
    status = fresh.evaluate(
        """() => fetch('stores', {method: 'POST', headers: {'content-type': 'application/json'},
             body: JSON.stringify({name: 'x', domain: 'csrf.example.com', adminEmail: 'a@example.com', plan: 'small'})})
             .then(r => r.status)""")
    assert status == 403
    fresh.get_by_role("button", name="Sign out").click()
    expect(fresh.get_by_role("heading", name="Sign in")).to_be_visible()


def test_a_viewer_sees_stores_but_no_create_form(fresh, shot):
    fresh.get_by_label("Access token").fill(os.environ["URUMI_VIEWER_TOKEN"])
    fresh.get_by_role("button", name="Sign in").click()
    expect(fresh.locator("#main")).to_be_visible()
    expect(fresh.locator("#who-text")).to_contain_text("(viewer)")
    expect(fresh.get_by_role("heading", name="New store")).to_be_hidden()
    expect(fresh.locator("#connection")).to_have_attribute("data-state", "live", timeout=10_000)
    shot(fresh, "14-viewer")
