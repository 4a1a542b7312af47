"""The dashboard with a fleet: 60 stores through the API, then the table, search, status
filter, paging (all kept in the URL), live rows from the stream without fetching the list,
a failed store (the server restarted with a fault), the detail view's actions, and a phone.

Run with `scripts/test-browser` (this module runs after test_dashboard.py in one session).
"""

import os
import re
import uuid
from urllib.parse import parse_qs, urlparse

import pytest
from conftest import sign_in
from playwright.sync_api import expect

SUFFIX = uuid.uuid4().hex[:6]
FLEET = f"Fleet {SUFFIX}"
COUNT = 60
COLUMNS = ["Name", "Domain", "Status", "Plan", "Current step", "Age"]


def create(server, name, domain, plan="small"):
    status, body = server.request(
        "POST", "/stores", {"name": name, "domain": domain, "adminEmail": "ops@example.com", "plan": plan},
        headers={"Idempotency-Key": str(uuid.uuid4())})
    assert status == 202, body
    return body["id"]


@pytest.fixture(scope="module")
def fleet(server):
    ids = [create(server, f"{FLEET} {n:02d}", f"fleet-{SUFFIX}-{n:02d}.example.com", ["small", "medium", "large"][n % 3])
           for n in range(COUNT)]
    server.wait_for_store(ids[-1], lambda s: s["status"] == "ready", timeout=60)
    return ids


@pytest.fixture(scope="module")
def tab(browser, server, fleet):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(server.url + "/", wait_until="domcontentloaded")
    sign_in(page, os.environ["URUMI_ADMIN_TOKEN"])
    yield page
    context.close()
    assert page.errors == [], f"JavaScript errors on the page: {page.errors}"


def rows(page):
    return page.locator("#store-rows tr")


def query_of(page):
    return {key: values[0] for key, values in parse_qs(urlparse(page.url).query).items()}


def search(page, text):
    """Types a search and waits until the list shows its answer (the URL names it first)."""
    page.get_by_label("Search stores").fill(text)
    page.wait_for_function("q => (new URLSearchParams(location.search).get('q') ?? '') === q", arg=text.strip())
    expect(page.locator("#list-body")).to_have_attribute("aria-busy", "false")


def expect_live(page):
    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=15_000)


def test_a_fleet_is_shown_as_a_table_with_the_issue_columns(tab, shot):
    expect_live(tab)
    table = tab.get_by_role("table")
    expect(table).to_be_visible()
    expect(tab.locator("#store-list")).to_be_hidden()
    assert [h.strip() for h in table.locator("thead th").all_text_contents()] == COLUMNS
    expect(rows(tab)).to_have_count(25)
    expect(tab.get_by_role("button", name="Table")).to_have_attribute("aria-pressed", "true")
    first = rows(tab).first
    expect(first.locator(".badge")).to_have_text(re.compile(r"(Ready|Provisioning|Deleted|Failed)"))
    expect(first.locator("td.col-age time")).to_have_attribute("datetime", re.compile(r"^\d{4}-"))
    shot(tab, "20-fleet-table", full_page=False)


def test_paging_moves_through_the_fleet_and_a_reload_keeps_the_page(tab, shot):
    search(tab, FLEET)
    expect(rows(tab)).to_have_count(25)
    expect(tab.locator("#page-label")).to_have_text("Page 1")
    expect(rows(tab).first.locator("th")).to_contain_text(f"{FLEET} 00")
    tab.get_by_role("button", name="Next page").click()
    expect(tab.locator("#page-label")).to_have_text("Page 2")
    expect(rows(tab).first.locator("th")).to_contain_text(f"{FLEET} 25")
    expect(tab.locator("#list-summary")).to_contain_text("Showing 26–50")
    assert "after" in query_of(tab) and query_of(tab)["q"] == FLEET

    tab.reload(wait_until="domcontentloaded")
    expect(rows(tab).first.locator("th")).to_contain_text(f"{FLEET} 25")
    expect(tab.locator("#page-label")).to_have_text("Page 2")
    expect(tab.get_by_label("Search stores")).to_have_value(FLEET)
    tab.get_by_role("button", name="Next page").click()
    expect(rows(tab)).to_have_count(10)
    expect(tab.get_by_role("button", name="Next page")).to_have_attribute("aria-disabled", "true")
    expect(tab.get_by_role("button", name="Next page")).to_be_focused()  # no pages left, focus stays
    shot(tab, "21-fleet-last-page", full_page=False)
    tab.get_by_role("button", name="Previous page").click()
    expect(tab.locator("#page-label")).to_have_text("Page 2")
    tab.get_by_role("button", name="First page").click()
    expect(tab.locator("#page-label")).to_have_text("Page 1")
    assert "after" not in query_of(tab)


def test_search_is_debounced_and_narrows_the_rows(tab):
    search(tab, "")
    lists = []
    listener = lambda request: lists.append(request.url) if re.search(r"/stores\?", request.url) else None
    tab.on("request", listener)
    box = tab.get_by_label("Search stores")
    box.press_sequentially(f"fleet-{SUFFIX}-07", delay=30)
    expect(rows(tab)).to_have_count(1)
    expect(rows(tab).first.locator("td.col-domain")).to_have_text(f"fleet-{SUFFIX}-07.example.com")
    tab.remove_listener("request", listener)
    assert len(lists) == 1, f"one list request for the whole typed search, not one per key: {lists}"
    assert query_of(tab)["q"] == f"fleet-{SUFFIX}-07"
    search(tab, f"{FLEET.upper()} 1")  # any case; name "Fleet … 1x"
    expect(rows(tab)).to_have_count(10)


def test_status_filter_narrows_the_rows_and_the_url_keeps_it(tab, shot):
    search(tab, FLEET)
    status = tab.get_by_label("Status", exact=True)
    status.select_option("failed")
    expect(tab.locator("#empty")).to_have_text("No stores match the filter and search.")
    expect(rows(tab)).to_have_count(0)
    assert query_of(tab)["status"] == "failed"
    status.select_option("ready")
    expect(rows(tab)).to_have_count(25)
    for badge in rows(tab).locator(".badge").all_inner_texts():
        assert "Ready" in badge
    tab.reload(wait_until="domcontentloaded")
    expect(tab.get_by_label("Status", exact=True)).to_have_value("ready")
    expect(tab.get_by_label("Search stores")).to_have_value(FLEET)
    expect(rows(tab)).to_have_count(25)
    shot(tab, "22-fleet-filtered", full_page=False)
    status.select_option("active")


# Marks the row of a store when it appears and notes whether a running step showed its time.
WATCH_ROW = """(name) => {
  window.__row = null; window.__sawElapsed = false;
  const scan = () => {
    for (const row of document.querySelectorAll('#store-rows tr')) {
      if (!row.querySelector('th').textContent.startsWith(name)) continue;
      if (!window.__row) { window.__row = row; row.__marked = true; }
      if (row.querySelector('.current-step time[data-since]')) window.__sawElapsed = true;
    }
  };
  new MutationObserver(scan).observe(document.getElementById('store-rows'), { childList: true, subtree: true });
}"""


def test_a_stream_event_changes_its_row_without_fetching_the_list(tab, server, shot):
    name = f"Live {SUFFIX}"
    search(tab, name)
    expect(rows(tab)).to_have_count(0)
    expect_live(tab)
    tab.evaluate(WATCH_ROW, name)
    fetched = []
    listener = lambda request: fetched.append(request.url) if "/stores" in request.url else None
    tab.on("request", listener)
    create(server, name, f"live-{SUFFIX}.example.com")
    row = rows(tab).filter(has_text=name)
    expect(row).to_have_count(1)  # the requested event itself adds the row (last page, room left)
    expect(row.locator(".badge")).to_contain_text("Provisioning")
    expect(row.locator(".badge")).to_contain_text("Ready", timeout=20_000)
    expect(row.locator(".col-step")).to_have_text(re.compile(r"all done in [\d.]+ (ms|s)"))
    tab.remove_listener("request", listener)
    assert fetched == [], f"the page asked the server instead of applying the events: {fetched}"
    assert tab.evaluate("window.__row && window.__row.__marked && window.__row.isConnected"), "the row was replaced"
    assert tab.evaluate("window.__sawElapsed"), "a running step never showed its elapsed time"
    shot(tab, "23-live-row", full_page=False)


def test_cards_show_dates_total_time_and_the_shop_url(tab, shot):
    search(tab, f"fleet-{SUFFIX}-0")
    tab.get_by_role("button", name="Cards").click()
    assert query_of(tab)["view"] == "cards"
    card = tab.locator("#store-list .store").first
    expect(card).to_be_visible()
    expect(card.locator(".store-timing time")).to_have_attribute("datetime", re.compile(r"^\d{4}-"))
    expect(card.locator(".store-timing")).to_contain_text(re.compile(r"Created .*\d{4}"))  # a date, not only a time
    expect(card.get_by_test_id("total-time")).to_contain_text("provisioned in")
    expect(card.locator(".store-url a")).to_have_attribute("href", f"https://fleet-{SUFFIX}-00.example.com/")
    shot(tab, "24-fleet-cards", full_page=False)
    tab.get_by_role("button", name="Table").click()
    expect(tab.get_by_role("table")).to_be_visible()


def test_a_ready_store_shows_its_admin_login_in_the_detail_view(tab):
    search(tab, f"fleet-{SUFFIX}-03")
    name = f"{FLEET} 03"
    tab.get_by_role("button", name=f"{name} (details)").click()
    dialog = tab.get_by_role("dialog", name=name)
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name=f"Delete {name}")).to_be_visible()
    expect(dialog.get_by_role("button", name=f"Retry {name}")).to_have_count(0)  # only a failed store
    dialog.get_by_role("button", name=f"Show admin login of {name}").click()
    login = dialog.get_by_test_id("credentials")
    expect(login).to_contain_text("User")
    password = login.locator("dd code").nth(1)
    expect(password).not_to_be_empty()
    expect(dialog.get_by_role("list", name="Event timeline")).to_contain_text("Credentials viewed")
    dialog.get_by_role("button", name="Close details").click()
    expect(dialog).to_be_hidden()
    expect(tab.locator("#detail-credentials code")).to_have_count(0)  # the password leaves with the dialog


def test_a_viewer_gets_no_admin_login_retry_or_delete(browser, server, fleet):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(server.url + f"/?q=fleet-{SUFFIX}-04&view=table", wait_until="domcontentloaded")
    sign_in(page, os.environ["URUMI_VIEWER_TOKEN"])
    name = f"{FLEET} 04"
    page.get_by_role("button", name=f"{name} (details)").click()
    dialog = page.get_by_role("dialog", name=name)
    expect(dialog.get_by_role("list", name="Event timeline").locator("li").first).to_be_visible()
    expect(dialog.locator("#detail-actions button")).to_have_count(0)
    context.close()


def test_a_failed_store_marks_the_failed_step_and_can_be_retried_and_deleted(tab, server, shot):
    name = f"Broken {SUFFIX}"
    server.stop()
    server.start(extra=["--sim-fail", "mysql=1"])
    try:
        expect_live(tab)
        search(tab, name)
        store_id = create(server, name, f"broken-{SUFFIX}.example.com")
        row = rows(tab).filter(has_text=name)
        expect(row.locator(".badge")).to_contain_text("Failed", timeout=20_000)
        first = server.wait_for_store(store_id, lambda s: s["status"] == "failed")
        expect(row.locator(".col-step")).to_have_text("✗ failed at MySQL")
        row.get_by_role("button", name=f"{name} (details)").click()
        dialog = tab.get_by_role("dialog", name=name)
        mysql = dialog.locator('.steps [data-step="mysql"]')
        expect(mysql).to_have_attribute("data-failed", "true")
        expect(mysql.locator(".step-status")).to_have_text(re.compile(r"^failed"))
        expect(dialog.locator('.steps [data-step="helm"] .step-status')).to_have_text("undone")
        expect(dialog.locator(".facts")).to_contain_text("Failed at")
        expect(dialog.get_by_role("button", name=f"Show admin login of {name}")).to_have_count(0)
        shot(tab, "25-failed-detail", full_page=False)

        with tab.expect_response(lambda r: r.url.endswith(f"/stores/{store_id}/retry")) as answer:
            dialog.get_by_role("button", name=f"Retry {name}").click()
        assert answer.value.status == 202
        server.wait_for_store(store_id, lambda s: s["status"] == "failed" and s["version"] > first["version"] + 1, timeout=20)
        expect(dialog.get_by_role("list", name="Event timeline")).to_contain_text("Retry requested")

        dialog.get_by_role("button", name=f"Delete {name}").click()
        confirm = tab.get_by_role("dialog", name=f"Delete {name}?")
        confirm.get_by_role("button", name="Delete store").click()
        server.wait_for_store(store_id, lambda s: s["status"] == "deleted", timeout=20)
        dialog.get_by_role("button", name="Close details").click()
        expect(row).to_have_count(0, timeout=10_000)
    finally:
        server.stop()
        server.start()
    expect_live(tab)


def test_a_store_that_cannot_reach_the_cluster_waits_for_it_and_is_ready_once_it_is_back(tab, server, shot):
    name = f"Patient {SUFFIX}"
    server.stop()
    server.start(extra=["--sim-unreachable", "--step-deadline", "namespace=1s", "--retry-max-delay", "1s"])
    try:
        expect_live(tab)
        search(tab, name)
        store_id = create(server, name, f"patient-{SUFFIX}.example.com")
        row = rows(tab).filter(has_text=name)
        waiting = row.get_by_test_id("waiting-for-cluster")
        expect(waiting).to_contain_text("waiting for the cluster", timeout=20_000)
        expect(row.locator(".badge")).to_contain_text("Provisioning")
        # Past the namespace step's deadline (1 s) the store needs attention, and still waits.
        server.wait_for_store(store_id, lambda s: (s.get("waitingForCluster") or {}).get("overdue") is True, timeout=20)
        expect(waiting).to_have_attribute("data-overdue", "true", timeout=10_000)
        expect(row.locator(".attention-mark")).to_have_count(1)
        row.get_by_role("button", name=f"{name} (details)").click()
        dialog = tab.get_by_role("dialog", name=name)
        expect(dialog.get_by_test_id("attention")).to_contain_text("the cluster has been unreachable since")
        expect(dialog.get_by_test_id("attention")).to_contain_text("nothing is undone")
        shot(tab, "26-waiting-for-cluster", full_page=False)
        dialog.get_by_role("button", name="Close details").click()
        status, body = server.request("GET", f"/stores/{store_id}/events?limit=100")
        assert status == 200, body
        assert "store.compensation-started.v1" not in [event["type"] for event in body["items"]]
    finally:
        server.stop()
        server.start()
    # The cluster is back: the store goes on to ready; the badge and the attention mark go.
    expect_live(tab)
    server.wait_for_store(store_id, lambda s: s["status"] == "ready", timeout=30)
    expect(row.locator(".badge")).to_contain_text("Ready", timeout=20_000)
    expect(row.get_by_test_id("waiting-for-cluster")).to_have_count(0)
    expect(row.locator(".attention-mark")).to_have_count(0)


@pytest.fixture
def phone(browser, server):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(server.url + "/", wait_until="domcontentloaded")
    sign_in(page, os.environ["URUMI_ADMIN_TOKEN"])
    yield page
    context.close()


def no_sideways_scroll(page):
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1] <= 375, f"page scrolls sideways: {widths}"


def test_a_phone_sees_feedback_right_after_create(phone, shot):
    expect_live(phone)
    expect(phone.locator("#store-list")).to_be_visible()  # cards on a narrow screen
    name = f"Phone {SUFFIX}"
    phone.get_by_label("Store name").fill(name)
    phone.get_by_label("Domain").fill(f"phone-{SUFFIX}.example.com")
    phone.get_by_label("Admin e-mail").fill("me@example.com")
    phone.get_by_role("button", name="Create store").tap()
    success = phone.locator("#form-success")
    expect(success).to_contain_text(f"Store “{name}” requested")
    expect(success).to_be_in_viewport()
    expect(success).to_have_attribute("role", "status")
    no_sideways_scroll(phone)
    shot(phone, "26-phone-created", full_page=False)
    success.get_by_role("button", name=re.compile("Show its progress")).tap()
    dialog = phone.get_by_role("dialog", name=name)
    expect(dialog).to_be_visible()
    expect(dialog.locator(".badge")).to_contain_text("Ready", timeout=20_000)
    dialog.get_by_role("button", name="Close details").tap()

    phone.get_by_role("button", name="Table").tap()
    expect(phone.get_by_role("table")).to_be_visible()
    no_sideways_scroll(phone)  # the table scrolls inside its own region
    shot(phone, "27-phone-table", full_page=False)
