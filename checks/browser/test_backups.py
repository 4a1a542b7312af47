"""Backups in the dashboard: an admin backs a store up from its detail view and watches the
backup go from running to completed with its size; restores it (the store goes through
restoring back to ready and a safety backup appears); clones a backup into a new store that
becomes ready; deletes a backup; deletes a store with and without a final backup; a request
while another operation runs shows the server's problem detail; a viewer sees the backups but
no controls.

Run with `scripts/test-browser` (e.g. `scripts/test-browser -k backups`).
"""

import json
import os
import re
import uuid

import pytest
from conftest import close_detail, open_detail, row, sign_in
from conftest import open_page as shared_open_page
from playwright.sync_api import expect

SUFFIX = uuid.uuid4().hex[:6]
PREFIX = f"Bk {SUFFIX}"
MAIN = f"{PREFIX} main"
KEEP = f"{PREFIX} keep"
DROP = f"{PREFIX} drop"
CLONE = f"{PREFIX} clone"

# Records every status each backup item and the store's badge show, from a MutationObserver:
# a state on screen for a few hundred milliseconds is seen even if an assertion polls slower.
RECORD_BACKUPS = """(storeId) => {
  window.__backupLog = []; window.__badges = [];
  const last = new Map();
  const scan = () => {
    for (const item of document.querySelectorAll('#detail-body .backups li[data-backup-id]')) {
      const size = item.querySelector('[data-testid="backup-size"]')?.textContent ?? null;
      const state = `${item.dataset.status}|${size}`;
      if (last.get(item.dataset.backupId) === state) continue;
      last.set(item.dataset.backupId, state);
      window.__backupLog.push({ id: item.dataset.backupId, status: item.dataset.status, reason: item.dataset.reason, size });
    }
    const badge = document.querySelector('#detail-body .detail-summary .badge')?.dataset.status;
    if (badge && window.__badges[window.__badges.length - 1] !== badge) window.__badges.push(badge);
  };
  scan();
  new MutationObserver(scan).observe(document.getElementById('detail-body'), { childList: true, subtree: true, attributes: true });
}"""


def create(server, name):
    domain = f"{name.lower().replace(' ', '-')}.example.com"
    status, body = server.request(
        "POST", "/stores", {"name": name, "domain": domain, "adminEmail": "bk@example.com", "plan": "small"},
        headers={"Idempotency-Key": str(uuid.uuid4())})
    assert status == 202, body
    return body["id"], domain


@pytest.fixture(scope="module")
def stores(server):
    made = {name: create(server, name) for name in (MAIN, KEEP, DROP)}
    for store_id, _ in made.values():
        server.wait_for_store(store_id, lambda s: s["status"] == "ready", timeout=30)
    return made


def open_page(browser, server, token):
    return shared_open_page(browser, server, token, f"view=table&q={PREFIX.replace(' ', '%20')}")


@pytest.fixture(scope="module")
def tab(browser, server, stores):
    context, page = open_page(browser, server, os.environ["URUMI_ADMIN_TOKEN"])
    expect(page.locator("#store-rows tr")).to_have_count(3)
    yield page
    context.close()
    assert page.errors == [], f"JavaScript errors on the page: {page.errors}"


def scroll_to(locator):
    """Scrolls an element into view for a screenshot, in the page at once: the detail view
    redraws parts of itself on every event, so a wait for a stable element can lose it."""
    locator.evaluate("e => e.scrollIntoView({ block: 'nearest' })")


@pytest.fixture(autouse=True)
def detail_closed_after(request):
    """A test that fails with the detail open leaves it closed for the next one."""
    yield
    if "tab" in request.fixturenames:
        tab = request.getfixturevalue("tab")
        for selector in ("dialog.confirm[open]", "#detail[open]"):
            if tab.locator(selector).count():
                tab.keyboard.press("Escape")


def backups(dialog):
    return dialog.get_by_role("list", name="Backups").locator("li[data-backup-id]")


def backup_log(page):
    return page.evaluate("window.__backupLog")


def test_back_up_now_shows_the_backup_running_then_completed_with_its_size(tab, stores, server, shot):
    store_id, _ = stores[MAIN]
    dialog = open_detail(tab, MAIN)
    expect(dialog.get_by_role("heading", name="Backups")).to_be_visible()
    expect(dialog.get_by_test_id("backups-empty")).to_have_text("No backups yet.")
    tab.evaluate(RECORD_BACKUPS, store_id)

    with tab.expect_response(lambda r: r.url.endswith("/backups") and r.request.method == "POST") as answer:
        dialog.get_by_role("button", name="Back up now").click()
    assert answer.value.status == 202
    item = backups(dialog).first
    expect(item).to_have_attribute("data-status", "completed", timeout=20_000)
    expect(item).to_have_attribute("data-reason", "manual")
    expect(item).to_contain_text("Completed")
    expect(item).to_contain_text("Manual")
    expect(item.get_by_test_id("backup-size")).to_have_text(re.compile(r"^\d+(\.\d)? (B|KB|MB|GB)$"))
    expect(item).to_contain_text("ago")
    expect(item).to_contain_text("by browser-admin")
    expect(dialog.get_by_test_id("backup-summary")).to_contain_text("1 completed backup")
    expect(dialog.get_by_test_id("backup-status")).to_contain_text(re.compile(r"✓ Backup finished \(operation .*\): \d"))
    expect(dialog.locator(".detail-summary .badge")).to_have_attribute("data-status", "ready")

    listed = server.request("GET", f"/stores/{store_id}/backups")[1]["items"]
    assert [b["id"] for b in listed] == [item.get_attribute("data-backup-id")]
    statuses = [e["status"] for e in backup_log(tab) if e["id"] == listed[0]["id"]]
    assert statuses[0] == "running" and statuses[-1] == "completed", statuses
    assert "backing-up" in tab.evaluate("window.__badges"), "the store never showed as backing up"
    # The history shows the backup operation with its own word.
    expect(dialog.get_by_role("list", name="Operation history").locator("li").first).to_contain_text("Backup")
    scroll_to(item)
    shot(tab, "40-backup-completed", full_page=False)
    close_detail(dialog)


def test_restore_asks_first_then_goes_through_restoring_back_to_ready_with_a_safety_backup(tab, stores, server, shot):
    store_id, domain = stores[MAIN]
    dialog = open_detail(tab, MAIN)
    tab.evaluate(RECORD_BACKUPS, store_id)
    original = backups(dialog).first
    original_id = original.get_attribute("data-backup-id")

    original.get_by_role("button", name=re.compile(r"^Restore")).click()
    confirm = tab.get_by_role("dialog", name=f"Restore {MAIN} from this backup?")
    expect(confirm).to_contain_text(f"{domain} shows a maintenance page")
    expect(confirm).to_contain_text("A safety backup")
    shot(tab, "41-restore-confirm", full_page=False)
    confirm.get_by_role("button", name="Cancel").click()
    expect(dialog.locator(".detail-summary .badge")).to_have_attribute("data-status", "ready")

    original.get_by_role("button", name=re.compile(r"^Restore")).click()
    with tab.expect_request(lambda r: r.url.endswith("/restore")) as sent:
        confirm.get_by_role("button", name="Restore backup").click()
    assert json.loads(sent.value.post_data) == {"backup": original_id}
    badge = dialog.locator(".detail-summary .badge")
    expect(badge).to_have_attribute("data-status", "restoring")
    expect(badge).to_contain_text("Restoring")
    operation = dialog.get_by_test_id("operation")
    expect(operation).to_contain_text("Restore")
    expect(operation.locator('.step[data-step="quiesce"]')).to_be_visible()
    expect(row(tab, store_id).locator(".badge")).to_have_attribute("data-status", "restoring")
    scroll_to(operation)
    shot(tab, "42-restoring", full_page=False)

    expect(badge).to_have_attribute("data-status", "ready", timeout=20_000)
    expect(row(tab, store_id).locator(".badge")).to_have_attribute("data-status", "ready")
    expect(dialog.get_by_test_id("backup-status")).to_contain_text("✓ Restore finished")
    safety = dialog.locator('li[data-backup-id][data-reason="safety"]')
    expect(safety).to_have_count(1)
    expect(safety).to_have_attribute("data-status", "completed")
    expect(backups(dialog).first).to_have_attribute("data-reason", "safety")  # newest first
    expect(dialog.locator(f'li[data-backup-id="{original_id}"]').get_by_test_id("backup-restored")).to_contain_text("restored")
    expect(dialog.get_by_role("list", name="Operation history").locator("li").first).to_contain_text("Restore")
    badges = tab.evaluate("window.__badges")
    assert badges == ["ready", "restoring", "ready"], badges
    scroll_to(dialog.get_by_role("list", name="Backups"))
    shot(tab, "43-restored", full_page=False)
    close_detail(dialog)


def test_a_request_while_an_operation_runs_shows_the_servers_detail(tab, stores, server, shot):
    store_id, _ = stores[MAIN]
    dialog = open_detail(tab, MAIN)
    first = backups(dialog).last.get_attribute("data-backup-id")
    # Someone else starts a restore (the API, as the CLI would) just before the click.
    status, body = server.request("POST", f"/stores/{store_id}/restore", {"backup": first})
    assert status == 202, body
    running = body["operation"]["id"]
    with tab.expect_response(lambda r: r.url.endswith("/backups") and r.request.method == "POST") as answer:
        dialog.get_by_role("button", name="Back up now").click()
    assert answer.value.status == 409
    problem = answer.value.json()
    message = dialog.get_by_test_id("backup-error")
    expect(message).to_contain_text(problem["detail"])
    expect(message).to_contain_text(f"A restore is running: operation {running} (restore)")
    expect(message).to_have_attribute("role", "alert")
    scroll_to(message)
    shot(tab, "44-operation-running", full_page=False)
    expect(dialog.locator(".detail-summary .badge")).to_have_attribute("data-status", "ready", timeout=20_000)
    close_detail(dialog)


def test_a_backup_is_cloned_into_a_new_store_that_becomes_ready(tab, stores, server, shot):
    store_id, _ = stores[MAIN]
    dialog = open_detail(tab, MAIN)
    item = dialog.locator('li[data-backup-id][data-reason="manual"]').first
    backup_id = item.get_attribute("data-backup-id")
    item.get_by_role("button", name=re.compile(r"^Clone")).click()
    form = dialog.locator("form.clone-form")
    expect(form).to_be_visible()
    expect(item.get_by_role("button", name=re.compile(r"^Clone"))).to_have_attribute("aria-expanded", "true")
    expect(form.get_by_label("Scrub customer data")).to_be_checked()
    expect(form.get_by_label("Store name")).to_be_focused()

    form.get_by_label("Store name").fill(CLONE)
    form.get_by_label("Domain").fill("not a domain")
    form.get_by_role("button", name="Create clone").click()
    expect(form.get_by_label("Domain")).to_have_attribute("aria-invalid", "true")
    clone_domain = f"bk-{SUFFIX}-clone.example.com"
    form.get_by_label("Domain").fill(clone_domain)
    form.get_by_label("Admin e-mail").fill("clone@example.com")
    form.get_by_label("Plan").select_option("medium")
    scroll_to(form)
    shot(tab, "45-clone-form", full_page=False)
    with tab.expect_request(lambda r: r.method == "POST" and r.url.endswith("/stores")) as sent:
        form.get_by_role("button", name="Create clone").click()
    spec = json.loads(sent.value.post_data)
    assert spec == {
        "name": CLONE, "domain": clone_domain, "adminEmail": "clone@example.com", "plan": "medium",
        "from": {"store": store_id, "backup": backup_id, "scrub": True},
    }, spec
    expect(form.get_by_test_id("clone-status")).to_contain_text(f"Clone “{CLONE}” requested")
    close_detail(dialog)

    clone_row = tab.locator("#store-rows tr", has_text=CLONE)
    expect(clone_row).to_have_count(1)
    expect(clone_row.locator(".badge")).to_have_attribute("data-status", "ready", timeout=20_000)
    clone_id = clone_row.get_attribute("data-store-id")
    events = server.request("GET", f"/stores/{clone_id}/events")[1]["items"]
    assert events[0]["data"]["cloneOf"]["backup"] == backup_id
    assert events[0]["data"]["cloneOf"]["scrub"] is True
    shot(tab, "46-clone-ready", full_page=False)


def test_deleting_a_backup_removes_it_from_the_list(tab, stores, server, shot):
    store_id, _ = stores[MAIN]
    dialog = open_detail(tab, MAIN)
    safety = dialog.locator('li[data-backup-id][data-reason="safety"]').first
    safety_id = safety.get_attribute("data-backup-id")
    count = backups(dialog).count()
    safety.get_by_role("button", name=re.compile(r"^Delete")).click()
    confirm = tab.get_by_role("dialog", name="Delete this safety backup?")
    expect(confirm).to_contain_text(safety_id)
    confirm.get_by_role("button", name="Delete backup").click()
    expect(dialog.locator(f'li[data-backup-id="{safety_id}"]')).to_have_count(0, timeout=20_000)
    expect(backups(dialog)).to_have_count(count - 1)
    expect(dialog.get_by_test_id("backup-status")).to_contain_text("✓ Delete backup finished")
    listed = [b["id"] for b in server.request("GET", f"/stores/{store_id}/backups")[1]["items"]]
    assert safety_id not in listed
    expect(dialog.get_by_role("heading", name="Backups")).to_be_visible()
    close_detail(dialog)


def delete_from_detail(tab, name, final_backup):
    dialog = open_detail(tab, name)
    dialog.get_by_role("button", name=f"Delete {name}").click()
    confirm = tab.get_by_role("dialog", name=f"Delete {name}?")
    box = confirm.get_by_label("Take a final backup first")
    expect(box).to_be_checked()
    if not final_backup:
        box.uncheck()
    with tab.expect_request(lambda r: r.method == "DELETE") as sent:
        confirm.get_by_role("button", name="Delete store").click()
    return dialog, sent.value.url


def test_deleting_a_store_with_the_final_backup_box_checked_keeps_a_final_backup(tab, stores, server, shot):
    store_id, _ = stores[KEEP]
    dialog, url = delete_from_detail(tab, KEEP, final_backup=True)
    assert "final_backup" not in url, url
    badge = dialog.locator(".detail-summary .badge")
    expect(badge).to_have_attribute("data-status", "deleted", timeout=20_000)
    final = dialog.locator('li[data-backup-id][data-reason="final"]')
    expect(final).to_have_count(1)
    expect(final).to_have_attribute("data-status", "completed")
    expect(final.get_by_test_id("backup-kept")).to_contain_text("kept until")
    expect(final.get_by_role("button", name=re.compile(r"^Clone"))).to_be_visible()
    expect(final.get_by_role("button", name=re.compile(r"^Restore"))).to_have_count(0)
    expect(dialog.get_by_role("button", name="Back up now")).to_be_hidden()
    scroll_to(final)
    shot(tab, "47-deleted-with-final-backup", full_page=False)
    close_detail(dialog)
    status, body = server.request("GET", f"/stores/{store_id}/backups")
    assert [b["reason"] for b in body["items"]] == ["final"], body


def test_deleting_a_store_with_the_box_unchecked_keeps_no_backup(tab, stores, server, shot):
    store_id, _ = stores[DROP]
    dialog, url = delete_from_detail(tab, DROP, final_backup=False)
    assert url.endswith("?final_backup=false"), url
    expect(dialog.locator(".detail-summary .badge")).to_have_attribute("data-status", "deleted", timeout=20_000)
    expect(dialog.get_by_test_id("backups-empty")).to_be_visible()
    close_detail(dialog)
    status, body = server.request("GET", f"/stores/{store_id}/backups")
    assert body["items"] == [], body


def test_a_failed_backup_is_listed_with_its_error_cleaned_up_and_can_be_removed(tab, stores, server, shot):
    store_id, _ = stores[MAIN]
    server.stop()
    server.start(extra=["--sim-fail", "change-snapshot=1"])
    try:
        expect(tab.locator("#connection")).to_have_attribute("data-state", "live", timeout=15_000)
        dialog = open_detail(tab, MAIN)
        dialog.get_by_role("button", name="Back up now").click()
        failed = dialog.locator('li[data-backup-id][data-status="failed"]')
        expect(failed).to_have_count(1, timeout=20_000)
        expect(failed).to_contain_text("Failed")
        expect(failed).to_contain_text("simulated failure of change-snapshot")
        expect(failed.get_by_role("button", name=re.compile(r"^(Restore|Clone)"))).to_have_count(0)
        first = dialog.get_by_role("list", name="Operation history").locator("li").first
        expect(first).to_contain_text("Failed, cleaned up")
        expect(first).to_contain_text("Backup")
        expect(dialog.locator(".detail-summary .badge")).to_have_attribute("data-status", "ready")
        told = dialog.get_by_test_id("backup-error")
        expect(told).to_contain_text("Backup failed, cleaned up")
        expect(told).to_contain_text("simulated failure of change-snapshot")
        expect(dialog.get_by_test_id("backup-status")).to_be_empty()
        scroll_to(failed)
        shot(tab, "48-backup-failed", full_page=False)

        failed_id = failed.get_attribute("data-backup-id")
        failed.get_by_role("button", name=re.compile(r"^Delete")).click()
        tab.get_by_role("dialog", name="Delete this manual backup?").get_by_role("button", name="Delete backup").click()
        expect(dialog.locator(f'li[data-backup-id="{failed_id}"]')).to_have_count(0, timeout=20_000)
        expect(dialog.get_by_test_id("backup-status")).to_contain_text(f"Backup {failed_id} deleted")
        close_detail(dialog)
    finally:
        server.stop()
        server.start()
    expect(tab.locator("#connection")).to_have_attribute("data-state", "live", timeout=15_000)


def test_a_phone_shows_the_backups_and_the_clone_form_without_sideways_scroll(browser, server, stores, shot):
    store_id, _ = stores[MAIN]
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(server.url + f"/?q={MAIN.replace(' ', '%20')}", wait_until="domcontentloaded")
        sign_in(page, os.environ["URUMI_ADMIN_TOKEN"])
        expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=15_000)
        page.locator(f'#store-list .store[data-store-id="{store_id}"]').get_by_role(
            "button", name=f"Details of {MAIN}").tap()
        dialog = page.locator("#detail")
        item = dialog.locator('li[data-backup-id][data-status="completed"]').first
        item.get_by_role("button", name=re.compile(r"^Clone")).tap()
        expect(dialog.locator("form.clone-form")).to_be_visible()
        widths = dialog.evaluate("d => [d.scrollWidth, d.clientWidth, d.getBoundingClientRect().right]")
        assert widths[0] <= widths[1] and widths[2] <= 375, f"dialog overflows: {widths}"
        scroll_to(item)
        shot(page, "49-phone-backups", full_page=False)
    finally:
        context.close()


def test_a_viewer_sees_the_backups_but_no_backup_controls(browser, server, stores):
    context, page = open_page(browser, server, os.environ["URUMI_VIEWER_TOKEN"])
    try:
        dialog = open_detail(page, MAIN)
        expect(backups(dialog).first).to_be_visible()
        expect(dialog.get_by_test_id("backup-summary")).to_contain_text("completed")
        # In the backups section (the timeline's events are buttons too, e.g. "Restored ...").
        section = dialog.locator(".detail-backups")
        for name in ("Back up now", re.compile(r"^Restore"), re.compile(r"^Clone"), re.compile(r"^Delete")):
            expect(section.get_by_role("button", name=name)).to_have_count(0)
        assert page.errors == []
    finally:
        context.close()
