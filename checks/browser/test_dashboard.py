import os
"""The dashboard in a real headless Chromium, against a real `urumi serve` (simulated cluster).

The tests run in file order as one user's session in one tab: the store created through the
form is then opened, collides with a second request, is deleted; the server restarts under
the open page; last, a phone-sized viewport. Run them with `scripts/test-browser`.
"""

import uuid

import pytest
from conftest import sign_in
from playwright.sync_api import expect

STEPS = ["namespace", "helm", "mysql", "wordpress", "woocommerce"]
RANK = {"pending": 0, "running": 1, "succeeded": 2}
SUFFIX = uuid.uuid4().hex[:8]
NAME = f"Browser Shop {SUFFIX}"
DOMAIN = f"browser-{SUFFIX}.example.com"

# Records every step status the page shows, in order, from a MutationObserver: a status
# that was on screen for a few hundred milliseconds is seen even if an assertion polls slower.
RECORD_STEPS = """() => {
  window.__stepLog = [];
  const last = new Map();
  const scan = () => {
    for (const step of document.querySelectorAll('#store-list .store .step')) {
      const id = step.closest('.store').dataset.storeId;
      const key = `${id}/${step.dataset.step}`;
      if (last.get(key) !== step.dataset.status) {
        last.set(key, step.dataset.status);
        window.__stepLog.push({ id, step: step.dataset.step, status: step.dataset.status });
      }
    }
  };
  scan();
  new MutationObserver(scan).observe(document.getElementById('store-list'),
    { childList: true, subtree: true, attributes: true });
}"""


def store_card(page, name):
    return page.locator("#store-list .store").filter(has=page.get_by_role("heading", name=name, exact=True))


def expect_live(page, timeout=10_000):
    indicator = page.locator("#connection")
    expect(indicator).to_have_attribute("data-state", "live", timeout=timeout)
    expect(indicator).to_have_text("Live")


def assert_steps_progressed(log, store_id):
    """Each step went pending → running → succeeded, never back, and in the saga's order."""
    seen = {step: [] for step in STEPS}
    order = []
    for entry in log:
        if entry["id"] == store_id:
            seen[entry["step"]].append(entry["status"])
            order.append((entry["step"], entry["status"]))
    for step, statuses in seen.items():
        assert statuses and statuses[-1] == "succeeded", f"{step}: {statuses}"
        assert "running" in statuses, f"{step} was never shown running: {statuses}"
        ranks = [RANK[s] for s in statuses]
        assert ranks == sorted(ranks), f"{step} went backwards: {statuses}"
    for earlier, later in zip(STEPS, STEPS[1:]):
        assert order.index((earlier, "succeeded")) < order.index((later, "running")), order


def test_page_shows_simulated_banner_and_goes_live(page, shot):
    expect(page.locator("#sim-banner")).to_be_visible()
    expect(page.locator("#sim-banner")).to_contain_text("Simulated cluster — no real stores are created")
    expect_live(page)
    page.evaluate("window.__sameDocument = true")  # gone if anything reloads the page
    shot(page, "01-loaded")


def test_create_store_through_the_form_reaches_ready_without_reload(page, server, shot):
    page.evaluate(RECORD_STEPS)
    page.get_by_label("Store name").fill(NAME)
    page.get_by_label("Domain").fill(DOMAIN)
    page.get_by_label("Admin e-mail").fill("owner@example.com")
    page.get_by_label("Plan").select_option("medium")
    # A double click must still create one store (busy button + Idempotency-Key).
    page.get_by_role("button", name="Create store").dblclick()

    card = store_card(page, NAME)
    expect(card).to_have_count(1)
    expect(card.locator(".badge")).to_contain_text("Provisioning")
    shot(page, "02-provisioning")
    expect(card.locator(".badge")).to_contain_text("Ready", timeout=20_000)
    for step in STEPS:
        expect(card.locator(f'[data-step="{step}"] .step-status')).to_have_text("done")
    store_id = card.get_attribute("data-store-id")
    assert_steps_progressed(page.evaluate("window.__stepLog"), store_id)
    assert page.evaluate("window.__sameDocument") is True

    status, body = server.request("GET", "/stores?limit=500")
    assert status == 200
    assert [s["id"] for s in body["items"] if s["domain"] == DOMAIN] == [store_id]
    expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible()
    shot(page, "03-ready")


def test_detail_view_shows_urls_timeline_and_simulation_notice(page, shot):
    card = store_card(page, NAME)
    details = card.get_by_role("button", name=f"Details of {NAME}")
    details.click()
    dialog = page.get_by_role("dialog", name=NAME)
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("link", name=f"https://{DOMAIN}/", exact=True)).to_have_attribute("href", f"https://{DOMAIN}/")
    expect(dialog.get_by_role("link", name=f"https://{DOMAIN}/wp-admin/")).to_be_visible()
    expect(dialog.get_by_test_id("detail-simulated")).to_contain_text("Simulated cluster")
    timeline = dialog.get_by_role("list", name="Event timeline").locator("li")
    expect(timeline).to_have_count(12)  # requested, 5 × (started, succeeded), ready
    expect(timeline.first).to_contain_text("Requested")
    expect(timeline.last).to_contain_text("Ready")
    shot(page, "04-detail", full_page=False)
    dialog.get_by_role("button", name="Close details").click()
    expect(dialog).to_be_hidden()
    expect(details).to_be_focused()


def test_client_side_validation_shows_messages_next_to_fields(page, shot):
    posts = []
    listener = lambda request: posts.append(request.url) if request.method == "POST" else None
    page.on("request", listener)
    page.get_by_label("Store name").fill("")
    page.get_by_label("Domain").fill("not a domain")
    page.get_by_label("Admin e-mail").fill("nope")
    page.get_by_role("button", name="Create store").click()

    name, domain, email = (page.get_by_label(label) for label in ("Store name", "Domain", "Admin e-mail"))
    for control in (name, domain, email):
        expect(control).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-name-error")).to_have_text("Store name is required")
    expect(page.locator("#f-domain-error")).to_have_text("Domain must be a fully qualified host name such as shop.example.com")
    expect(page.locator("#f-email-error")).to_have_text("Admin e-mail must be an e-mail address such as admin@example.com")
    expect(domain).to_have_attribute("aria-describedby", "f-domain-hint f-domain-error")
    expect(name).to_be_focused()
    shot(page, "05-client-validation")
    page.remove_listener("request", listener)
    assert posts == [], "nothing may be sent while the form is invalid"

    domain.fill("shop.example.com")  # editing a field clears its message
    expect(domain).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-domain-error")).to_be_empty()


def test_server_side_error_domain_in_use_is_shown_on_the_domain_field(page, shot):
    page.get_by_label("Store name").fill("Second Shop")
    page.get_by_label("Domain").fill(DOMAIN.upper())  # the same host, as the server normalises it
    page.get_by_label("Admin e-mail").fill("second@example.com")
    with page.expect_response(lambda r: r.url.endswith("/stores") and r.request.method == "POST") as answer:
        page.get_by_role("button", name="Create store").click()
    assert answer.value.status == 409
    domain = page.get_by_label("Domain")
    expect(domain).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-domain-error")).to_have_text("Domain is already used by another store")
    expect(domain).to_be_focused()
    expect(store_card(page, "Second Shop")).to_have_count(0)
    shot(page, "06-domain-in-use")


def test_delete_asks_in_a_dialog_then_the_store_goes_away(page, server, shot):
    card = store_card(page, NAME)
    store_id = card.get_attribute("data-store-id")
    card.get_by_role("button", name=f"Delete {NAME}").click()
    confirm = page.get_by_role("dialog", name=f"Delete {NAME}?")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text(DOMAIN)
    shot(page, "07-confirm-delete", full_page=False)
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_be_hidden()
    expect(card.locator(".badge")).to_contain_text("Ready")

    card.get_by_role("button", name=f"Delete {NAME}").click()
    confirm.get_by_role("button", name="Delete store").click()
    expect(confirm).to_be_hidden()
    expect(card).to_be_hidden(timeout=20_000)  # deleted stores leave the list unless asked for
    server.wait_for_store(store_id, lambda s: s["status"] == "deleted", timeout=10)
    page.get_by_label("Status", exact=True).select_option("all")
    expect(card).to_be_visible()
    expect(card.locator(".badge")).to_contain_text("Deleted")
    expect(card.get_by_role("button", name=f"Delete {NAME}")).to_have_count(0)
    shot(page, "08-deleted")
    page.get_by_label("Status", exact=True).select_option("active")


def test_page_survives_a_server_restart_and_shows_new_stores(page, server, shot):
    expect_live(page)
    server.stop()
    indicator = page.locator("#connection")
    expect(indicator).to_have_attribute("data-state", "reconnecting", timeout=10_000)
    expect(indicator).to_have_text("Reconnecting…")
    shot(page, "09-reconnecting")

    server.start()
    expect_live(page, timeout=15_000)
    name = f"After Restart {SUFFIX}"
    status, body = server.request(
        "POST", "/stores",
        {"name": name, "domain": f"restart-{SUFFIX}.example.com", "adminEmail": "ops@example.com", "plan": "large"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert status == 202, body
    card = store_card(page, name)
    expect(card).to_be_visible(timeout=10_000)
    expect(card.locator(".badge")).to_contain_text("Ready", timeout=20_000)
    assert page.evaluate("window.__sameDocument") is True, "the page was reloaded"
    shot(page, "10-after-restart")


@pytest.fixture
def phone(browser, server):
    context = browser.new_context(viewport={"width": 375, "height": 800}, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.goto(server.url + "/", wait_until="domcontentloaded")
    sign_in(tab, os.environ["URUMI_ADMIN_TOKEN"])
    yield tab
    context.close()


def assert_no_horizontal_scroll(page):
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1] <= 375, f"page scrolls sideways: scrollWidth/clientWidth = {widths}"


def test_narrow_screen_has_no_horizontal_scroll(phone, shot):
    expect_live(phone)
    phone.get_by_label("Status", exact=True).select_option("all")
    cards = phone.locator("#store-list .store:not([hidden])")
    expect(cards.first).to_be_visible()
    phone.get_by_role("button", name="Create store").click()  # empty form: messages must wrap too
    expect(phone.locator("#f-name-error")).to_be_visible()
    assert_no_horizontal_scroll(phone)
    shot(phone, "11-narrow")

    first = cards.first
    name = first.locator(".store-name").inner_text()
    first.get_by_role("button", name=f"Details of {name}").click()
    dialog = phone.get_by_role("dialog", name=name)
    expect(dialog.get_by_role("list", name="Event timeline").locator("li").first).to_be_visible()
    overflow = dialog.evaluate("d => [d.scrollWidth, d.clientWidth, d.getBoundingClientRect().right]")
    assert overflow[0] <= overflow[1] and overflow[2] <= 375, f"dialog overflows: {overflow}"
    assert_no_horizontal_scroll(phone)
    shot(phone, "12-narrow-detail", full_page=False)
