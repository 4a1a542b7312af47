"""Rollouts in the dashboard: a rollout started through the API appears in the Rollouts
panel and moves live (its first wave passes while the page is open, no reload), an admin
pauses, resumes and aborts it from the panel, and the header shows the store counts.

Run with `scripts/test-browser` (this module runs after test_operations.py in one session).
"""

import os
import uuid

import pytest
from conftest import sign_in
from playwright.sync_api import expect

SUFFIX = uuid.uuid4().hex[:6]


def create(server, name):
    domain = f"{name.lower().replace(' ', '-')}.example.com"
    status, body = server.request(
        "POST", "/stores", {"name": name, "domain": domain, "adminEmail": "ops@example.com", "plan": "small"},
        headers={"Idempotency-Key": str(uuid.uuid4())})
    assert status == 202, body
    return body["id"]


@pytest.fixture(scope="module")
def stores(server):
    ids = [create(server, f"Roll {SUFFIX} {n}") for n in range(3)]
    for store_id in ids:
        server.wait_for_store(store_id, lambda s: s["status"] == "ready", timeout=30)
    return ids


def test_a_rollout_moves_live_and_an_admin_pauses_resumes_and_aborts_it(browser, server, stores, shot):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + "/", wait_until="domcontentloaded")
    sign_in(page, os.environ["URUMI_ADMIN_TOKEN"])
    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=15_000)
    expect(page.locator("#fleet-counts [data-count='total']")).to_contain_text("stores")

    # Started while the page is open: it appears and its first wave passes without a reload.
    status, rollout = server.request(
        "POST", "/rollouts",
        {"change": {"plugins": ["akismet"]}, "selector": {"ids": stores}, "waves": [1, "100%"], "pauseBetween": "1h"})
    assert status == 202, rollout
    item = page.locator(f'.rollout[data-rollout-id="{rollout["id"]}"]')
    expect(item).to_be_visible(timeout=15_000)
    expect(item.locator(".rollout-head")).to_contain_text("plugins → akismet on 3 stores")
    expect(item.locator(".rollout-wave").first).to_contain_text("passed", timeout=20_000)
    expect(item.locator(".rollout-wave").nth(1)).to_contain_text("pending")
    expect(item.locator(".rollout-meta")).to_contain_text("1 of 3 stores done")
    shot(page, "rollout-running")

    item.get_by_role("button", name="Pause").click()
    expect(item).to_have_attribute("data-status", "paused")
    expect(item.locator(".rollout-status")).to_have_text("Paused")
    item.get_by_role("button", name="Resume").click()
    expect(item).to_have_attribute("data-status", "running")
    item.get_by_role("button", name="Abort").click()
    # The runner sees the abort within its pause's next second and ends the rollout.
    expect(item).to_have_attribute("data-status", "aborted", timeout=15_000)
    expect(item.get_by_role("button")).to_have_count(0)
    status, body = server.request("GET", f"/rollouts/{rollout['id']}")
    assert status == 200 and body["status"] == "aborted", body
    assert [s["phase"] for s in body["stores"]] == ["succeeded", "pending", "pending"]
    shot(page, "rollout-aborted")
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def test_a_viewer_sees_rollouts_without_controls(browser, server, stores):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.url + "/", wait_until="domcontentloaded")
    sign_in(page, os.environ["URUMI_VIEWER_TOKEN"])
    expect(page.locator(".rollout").first).to_be_visible(timeout=15_000)
    expect(page.locator("#rollouts-panel button")).to_have_count(0)
    context.close()


def test_a_degraded_store_has_a_badge_and_the_health_filter_finds_it(browser, server, stores, shot):
    # Restarted with every canary failing and one failure enough: one store is checked twice.
    server.stop()
    server.start(extra=["--sim-fail", "canary=1", "--degraded-after", "2"])
    try:
        for _ in range(2):
            status, body = server.request("POST", f"/stores/{stores[1]}/health-checks", {})
            assert status == 201 and body["outcome"] == "failed", body
    finally:
        server.stop()
        server.start()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + f"/?view=table&q=Roll%20{SUFFIX}", wait_until="domcontentloaded")
    sign_in(page, os.environ["URUMI_ADMIN_TOKEN"])
    expect(page.locator("#store-rows tr")).to_have_count(3)
    degraded = page.locator(f'#store-rows tr[data-store-id="{stores[1]}"] .health-badge')
    expect(degraded).to_have_attribute("data-health", "degraded")
    expect(degraded).to_have_text("degraded")
    expect(page.locator("#store-rows .health-badge")).to_have_count(1)
    page.locator("#f-health").select_option("degraded")
    expect(page.locator("#store-rows tr")).to_have_count(1)
    expect(page.locator("#store-rows tr")).to_have_attribute("data-store-id", stores[1])
    assert "health=degraded" in page.url
    shot(page, "health-degraded")
    # The filter is in the URL: a reload shows the same list.
    page.reload(wait_until="domcontentloaded")
    expect(page.locator("#f-health")).to_have_value("degraded")
    expect(page.locator("#store-rows tr")).to_have_count(1)
    expect(page.locator("#fleet-counts [data-count='degraded']")).to_contain_text("1 degraded")
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"
