"""Day-two operations in the dashboard: an admin changes a ready store through the detail
view's Change form and watches the operation's steps live; a smaller plan is not offered and
the server's field errors land next to the fields; suspend and resume; extra domains; a second
operation while one runs; an operation rolled back (and one whose rollback failed) with the
server restarted with faults; a viewer gets no operation controls.

Run with `scripts/test-browser` (this module runs after test_fleet.py in one session).
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
MAIN = f"Ops {SUFFIX} main"
OTHER = f"Ops {SUFFIX} other"
ROLLBACK = f"Ops {SUFFIX} rollback"
ATTENTION = f"Ops {SUFFIX} attention"

# Records, from a MutationObserver, every state the detail view's running operation shows:
# each step's status (with its phase and the error shown), whether a running step showed its
# elapsed time and its attempt, and the store's badge in the table. A state on screen for a
# few hundred milliseconds is seen even if an assertion polls slower.
RECORD_OPERATION = """(storeId) => {
  window.__opLog = []; window.__sawElapsed = false; window.__sawAttempt = false; window.__badges = [];
  const last = new Map();
  const scan = () => {
    const op = document.querySelector('#detail-body .operation');
    if (op) {
      for (const step of op.querySelectorAll('.step')) {
        const error = step.querySelector('.step-error')?.textContent ?? null;
        const key = `${op.dataset.operation}/${step.dataset.step}`;
        const state = `${step.dataset.status}|${op.dataset.phase}|${error}`;
        if (step.dataset.status === 'running' && step.querySelector('time[data-since]')) window.__sawElapsed = true;
        if (step.dataset.status === 'running' && /attempt 1/.test(step.textContent)) window.__sawAttempt = true;
        if (last.get(key) === state) continue;
        last.set(key, state);
        window.__opLog.push({ operation: op.dataset.operation, step: step.dataset.step, status: step.dataset.status,
          phase: step.dataset.phase, operationPhase: op.dataset.phase, error });
      }
    }
    const badge = document.querySelector(`#store-rows tr[data-store-id="${storeId}"] .badge`);
    const status = badge?.dataset.status;
    if (status && window.__badges[window.__badges.length - 1] !== status) window.__badges.push(status);
  };
  scan();
  const observer = new MutationObserver(scan);
  observer.observe(document.getElementById('detail-body'), { childList: true, subtree: true, attributes: true });
  observer.observe(document.getElementById('store-rows'), { childList: true, subtree: true, attributes: true });
}"""


def create(server, name, plan="small"):
    domain = f"{name.lower().replace(' ', '-')}.example.com"
    status, body = server.request(
        "POST", "/stores", {"name": name, "domain": domain, "adminEmail": "ops@example.com", "plan": plan},
        headers={"Idempotency-Key": str(uuid.uuid4())})
    assert status == 202, body
    return body["id"], domain


@pytest.fixture(scope="module")
def stores(server):
    made = {name: create(server, name) for name in (MAIN, OTHER, ROLLBACK, ATTENTION)}
    for store_id, _ in made.values():
        server.wait_for_store(store_id, lambda s: s["status"] == "ready", timeout=30)
    return made


def open_page(browser, server, token):
    return shared_open_page(browser, server, token, f"view=table&q=Ops%20{SUFFIX}")


@pytest.fixture(scope="module")
def tab(browser, server, stores):
    context, page = open_page(browser, server, os.environ["URUMI_ADMIN_TOKEN"])
    expect(page.locator("#store-rows tr")).to_have_count(4)
    yield page
    context.close()
    assert page.errors == [], f"JavaScript errors on the page: {page.errors}"


def history(dialog):
    return dialog.get_by_role("list", name="Operation history").locator("li")


def plan_options(dialog):
    return dialog.get_by_label("Plan", exact=True).evaluate("s => [...s.options].map(o => o.value)")


def op_log(page, operation=None):
    log = page.evaluate("window.__opLog")
    return [e for e in log if operation is None or e["operation"] == operation]


def assert_ran_in_order(log, steps):
    """Each step went running → succeeded, and the next one started only after it."""
    order = [(e["step"], e["status"]) for e in log]
    for step in steps:
        statuses = [e["status"] for e in log if e["step"] == step]
        assert "running" in statuses and statuses[-1] == "succeeded", f"{step}: {statuses} in {order}"
    for earlier, later in zip(steps, steps[1:]):
        assert order.index((earlier, "succeeded")) < order.index((later, "running")), order


def test_an_admin_changes_the_plan_and_watches_the_steps_live(tab, stores, shot):
    store_id, _ = stores[MAIN]
    dialog = open_detail(tab, MAIN)
    expect(dialog.get_by_test_id("fact-plan")).to_have_text("small")
    assert plan_options(dialog) == ["small", "medium", "large"]
    expect(dialog.get_by_test_id("history-empty")).to_have_text("No operations yet.")
    tab.evaluate(RECORD_OPERATION, store_id)
    asked = []
    listener = lambda request: asked.append(f"{request.method} {request.url}") if "/stores" in request.url else None
    tab.on("request", listener)

    dialog.get_by_label("Plan", exact=True).select_option("medium")
    with tab.expect_request(lambda r: r.method == "PATCH") as sent:
        dialog.get_by_role("button", name="Apply change").click()
    request = sent.value
    assert json.loads(request.post_data) == {"plan": "medium"}, "only the changed field is sent"
    assert request.headers["content-type"] == "application/merge-patch+json"
    assert request.headers.get("idempotency-key")
    operation = dialog.get_by_test_id("operation")
    expect(operation).to_contain_text("Update: plan → medium")
    expect(dialog.get_by_test_id("change-status")).to_contain_text("Change requested")
    operation.scroll_into_view_if_needed()
    shot(tab, "30-operation-running", full_page=False)

    first = history(dialog).first
    expect(first).to_contain_text("Succeeded", timeout=20_000)
    expect(first).to_contain_text("plan → medium")
    expect(first).to_contain_text("browser-admin")
    expect(operation).to_have_count(0)
    expect(dialog.get_by_test_id("fact-plan")).to_have_text("medium")
    expect(dialog.locator(".badge")).to_contain_text("Ready")
    expect(row(tab, store_id).locator(".col-plan")).to_have_text("medium")
    expect(dialog.get_by_test_id("change-status")).to_contain_text("The change is applied")
    tab.remove_listener("request", listener)

    log = op_log(tab)
    assert_ran_in_order(log, ["apply", "workloads", "setup"])
    assert tab.evaluate("window.__sawAttempt"), "a running step never showed its attempt"

    assert tab.evaluate("window.__sawElapsed"), "a running step never showed its elapsed time"
    assert "updating" in tab.evaluate("window.__badges"), "the table never showed the store as updating"
    assert [a for a in asked if not a.startswith("PATCH ")] == [], f"the page fetched instead of applying events: {asked}"
    first.scroll_into_view_if_needed()
    shot(tab, "31-operation-done", full_page=False)
    close_detail(dialog)


def test_the_timeline_shows_the_store_as_of_a_chosen_event(tab, stores, shot):
    """Time travel: choosing an event of the timeline shows the store as it was just after it
    (GET /stores/{id}?version=N, folded by the server); "Back to now" returns to the live one."""
    store_id, _ = stores[MAIN]
    dialog = open_detail(tab, MAIN)
    expect(dialog.get_by_test_id("fact-plan")).to_have_text("medium")
    timeline = dialog.get_by_role("list", name="Event timeline").locator("li")
    expect(timeline.last).to_contain_text("Changed")
    banner = dialog.get_by_test_id("as-of")
    expect(banner).to_be_hidden()

    with tab.expect_request(lambda r: f"/stores/{store_id}?version=1" in r.url) as asked:
        timeline.first.get_by_role("button", name="Requested").click()
    assert asked.value.method == "GET"
    expect(banner).to_contain_text("As of version 1")
    expect(banner).to_contain_text("Requested")
    expect(dialog.get_by_test_id("fact-plan")).to_have_text("small")
    expect(dialog.locator(".detail-summary .badge")).to_contain_text("Provisioning")
    expect(timeline.first).to_have_class(re.compile(r"\bchosen\b"))
    expect(timeline.first.get_by_role("button", name="Requested")).to_have_attribute("aria-pressed", "true")
    shot(tab, "32-as-of-requested", full_page=False)

    # Every event of the stream can be chosen; the one before the change still says small.
    versions = timeline.evaluate_all("items => items.map(li => Number(li.dataset.version))")
    assert versions == list(range(1, len(versions) + 1)), versions
    change = next(i for i, li in enumerate(timeline.all()) if "Change requested" in li.inner_text())
    timeline.nth(change - 1).locator("button.event-title").click()
    expect(banner).to_contain_text(f"As of version {change}")
    expect(dialog.get_by_test_id("fact-plan")).to_have_text("small")
    expect(dialog.locator(".detail-summary .badge")).to_contain_text("Ready")
    timeline.last.locator("button.event-title").click()
    expect(banner).to_contain_text(f"As of version {len(versions)}")
    expect(dialog.get_by_test_id("fact-plan")).to_have_text("medium")

    dialog.get_by_test_id("back-to-now").click()
    expect(banner).to_be_hidden()
    expect(dialog.get_by_test_id("fact-plan")).to_have_text("medium")
    expect(dialog.locator(".timeline li.chosen")).to_have_count(0)
    close_detail(dialog)


def test_a_smaller_plan_is_not_offered_and_field_errors_show_next_to_fields(tab, stores, server, shot):
    store_id, _ = stores[MAIN]
    dialog = open_detail(tab, MAIN)
    assert plan_options(dialog) == ["medium", "large"], "a plan never shrinks: small must not be offered"
    expect(dialog.get_by_label("Plan", exact=True)).to_have_value("medium")

    # A bad plugin line is caught before anything is sent.
    posts = []
    listener = lambda request: posts.append(request.url) if request.method != "GET" else None
    tab.on("request", listener)
    plugins = dialog.get_by_label("Plugins", exact=True)
    plugins.fill("akismet\nNot A Slug@1")
    dialog.get_by_role("button", name="Apply change").click()
    expect(plugins).to_have_attribute("aria-invalid", "true")
    expect(dialog.locator("#c-plugins-error")).to_contain_text("line 2")
    expect(plugins).to_be_focused()
    tab.remove_listener("request", listener)
    assert posts == []
    plugins.fill("")

    # The server's refusal: WordPress cannot go back once the database was migrated (the
    # chart's default is 7.1.0, so the pin goes above it).
    status, body = server.request("PATCH", f"/stores/{store_id}", {"wordpressVersion": "7.2.0"})
    assert status == 202, body
    expect(history(dialog).first).to_contain_text("WordPress → 7.2.0", timeout=20_000)
    wordpress = dialog.get_by_label("WordPress version")
    expect(wordpress).to_have_value("7.2.0")  # an untouched field follows the store
    wordpress.fill("7.1.5")
    with tab.expect_response(lambda r: r.request.method == "PATCH") as answer:
        dialog.get_by_role("button", name="Apply change").click()
    assert answer.value.status == 422
    expect(wordpress).to_have_attribute("aria-invalid", "true")
    expect(dialog.locator("#c-wordpressVersion-error")).to_have_text(
        re.compile(r"^WordPress version cannot go back from 7\.2\.0 to 7\.1\.5"))
    expect(wordpress).to_have_attribute("aria-describedby", re.compile(r"c-wordpressVersion-error"))
    expect(dialog.get_by_test_id("change-error")).to_be_empty()
    shot(tab, "32-field-error", full_page=False)
    dialog.get_by_role("button", name="Undo my edits").click()
    expect(wordpress).to_have_value("7.2.0")
    expect(wordpress).not_to_have_attribute("aria-invalid", "true")
    close_detail(dialog)


def test_suspend_then_resume_through_the_buttons(tab, stores, shot):
    store_id, domain = stores[MAIN]
    dialog = open_detail(tab, MAIN)
    tab.evaluate(RECORD_OPERATION, store_id)
    expect(dialog.get_by_role("button", name=f"Resume {MAIN}")).to_have_count(0)
    dialog.get_by_role("button", name=f"Suspend {MAIN}").click()
    confirm = tab.get_by_role("dialog", name=f"Suspend {MAIN}?")
    expect(confirm).to_contain_text(f"{domain} will show a maintenance page")
    confirm.get_by_role("button", name="Cancel").click()
    expect(dialog.locator(".badge")).to_contain_text("Ready")

    dialog.get_by_role("button", name=f"Suspend {MAIN}").click()
    confirm.get_by_role("button", name="Suspend store").click()
    badge = dialog.locator(".badge")
    expect(badge).to_have_attribute("data-status", "suspended", timeout=20_000)
    expect(badge).to_contain_text("Suspended")
    expect(row(tab, store_id).locator(".badge")).to_have_attribute("data-status", "suspended")
    expect(row(tab, store_id).locator(".col-step")).to_have_text("maintenance page up")
    expect(dialog.get_by_role("button", name=f"Suspend {MAIN}")).to_have_count(0)
    expect(dialog.get_by_role("button", name="Apply change")).to_be_disabled()
    expect(dialog.get_by_label("Extra domain")).to_be_disabled()
    expect(dialog.get_by_text("The store is suspended: resume it to change it.")).to_be_visible()
    badge.scroll_into_view_if_needed()
    expect(history(dialog).first).to_contain_text("Suspend")
    expect(history(dialog).first).to_contain_text("Succeeded")
    shot(tab, "33-suspended", full_page=False)

    dialog.get_by_role("button", name=f"Resume {MAIN}").click()
    expect(badge).to_have_attribute("data-status", "ready", timeout=20_000)
    expect(row(tab, store_id).locator(".badge")).to_contain_text("Ready")
    expect(history(dialog).first).to_contain_text("Resume")
    expect(dialog.get_by_role("button", name="Apply change")).to_be_enabled()
    badges = tab.evaluate("window.__badges")
    assert badges == ["ready", "updating", "suspended", "updating", "ready"], badges
    close_detail(dialog)


def test_an_extra_domain_is_added_listed_and_removed(tab, stores, server, shot):
    store_id, _ = stores[MAIN]
    _, other_domain = stores[OTHER]
    extra = f"www-{SUFFIX}.example.com"
    dialog = open_detail(tab, MAIN)
    domains = dialog.get_by_role("list", name="Domains")
    field = dialog.get_by_label("Extra domain")

    field.fill("not a domain")
    dialog.get_by_role("button", name="Add domain").click()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(dialog.locator("#c-domain-error")).to_contain_text("Domain must be a fully qualified host name")

    field.fill(other_domain)  # another store's: the server refuses (409 domain-in-use)
    with tab.expect_response(lambda r: r.url.endswith("/domains")) as answer:
        dialog.get_by_role("button", name="Add domain").click()
    assert answer.value.status == 409
    expect(dialog.locator("#c-domain-error")).to_have_text("Domain is already used by another store")
    expect(field).to_be_focused()

    field.fill(extra.upper())
    dialog.get_by_role("button", name="Add domain").click()
    item = domains.locator(f'li[data-domain-item="{extra}"]')
    expect(item).to_be_visible()
    expect(item).to_have_attribute("data-state", "active", timeout=20_000)
    expect(field).to_have_value("")
    expect(history(dialog).first).to_contain_text(f"Add domain: + {extra}")
    status, body = server.request("GET", f"/stores/{store_id}")
    assert body["extraDomains"] == [extra]
    shot(tab, "34-extra-domain", full_page=False)

    item.get_by_role("button", name=f"Remove {extra}").click()
    expect(item).to_have_count(0, timeout=20_000)
    expect(history(dialog).first).to_contain_text(f"Remove domain: − {extra}")
    expect(domains.locator("li")).to_have_count(1)  # the store's own domain is left
    close_detail(dialog)


def test_a_second_operation_while_one_runs_says_an_update_is_running(tab, stores, server, shot):
    store_id, _ = stores[MAIN]
    dialog = open_detail(tab, MAIN)
    renamed = f"{MAIN} renamed"
    dialog.get_by_label("Name", exact=True).fill(renamed)
    # Someone else starts an operation (the API, as the CLI would) just before the click.
    status, body = server.request("PATCH", f"/stores/{store_id}", {"plan": "large"})
    assert status == 202, body
    first = body["operation"]["id"]
    with tab.expect_response(lambda r: r.request.method == "PATCH") as answer:
        dialog.get_by_role("button", name="Apply change").click()
    assert answer.value.status == 409
    message = dialog.get_by_test_id("change-error")
    expect(message).to_contain_text(f"An update is running: operation {first} (update)")
    expect(message).to_have_attribute("role", "alert")
    expect(message).not_to_contain_text("Conflict")
    expect(dialog.get_by_test_id("operation")).to_have_attribute("data-operation", first)
    message.scroll_into_view_if_needed()
    shot(tab, "35-operation-running", full_page=False)

    # Once it is over, the same change goes through.
    expect(history(dialog).first).to_contain_text("plan → large", timeout=20_000)
    dialog.get_by_role("button", name="Apply change").click()
    expect(history(dialog).first).to_contain_text(f"name → “{renamed}”", timeout=20_000)
    expect(dialog.locator("#detail-title")).to_have_text(renamed)
    expect(row(tab, store_id).locator("th")).to_contain_text(renamed)
    close_detail(dialog)


def test_a_failed_operation_is_rolled_back_and_the_history_says_why(tab, stores, server, shot):
    store_id, _ = stores[ROLLBACK]
    server.stop()
    server.start(extra=["--sim-fail", "change-setup=1"])
    try:
        expect(tab.locator("#connection")).to_have_attribute("data-state", "live", timeout=15_000)
        dialog = open_detail(tab, ROLLBACK)
        tab.evaluate(RECORD_OPERATION, store_id)
        dialog.get_by_label("Plan", exact=True).select_option("medium")
        dialog.get_by_role("button", name="Apply change").click()
        first = history(dialog).first
        expect(first).to_contain_text("Rolled back", timeout=20_000)
        expect(first).to_contain_text("Reason: setup failed: simulated failure of change-setup")
        expect(first).to_have_attribute("data-outcome", "rolled-back")
        expect(dialog.locator(".badge")).to_have_attribute("data-status", "ready")
        expect(dialog.get_by_test_id("fact-plan")).to_have_text("small")
        expect(row(tab, store_id).locator(".col-plan")).to_have_text("small")
        expect(dialog.get_by_test_id("attention")).to_have_count(0)
        assert plan_options(dialog) == ["small", "medium", "large"]
        told = dialog.get_by_test_id("change-error")
        expect(told).to_contain_text("The change was not applied")
        expect(told).to_contain_text("rolled back (setup failed: simulated failure of change-setup)")
        first.scroll_into_view_if_needed()
        shot(tab, "36-rolled-back", full_page=False)

        log = op_log(tab)
        failed = [e for e in log if e["step"] == "setup" and e["status"] == "failed"]
        assert failed and "simulated failure of change-setup" in (failed[0]["error"] or ""), log
        rollback = [e for e in log if e["phase"] == "rollback"]
        assert rollback and all(e["operationPhase"] == "rolling-back" for e in rollback), log
        assert_ran_in_order(rollback, ["rollback", "recover"])
        close_detail(dialog)
    finally:
        server.stop()
        server.start()
    expect(tab.locator("#connection")).to_have_attribute("data-state", "live", timeout=15_000)


def test_a_failed_rollback_marks_the_store_as_needing_attention(tab, stores, server, shot):
    store_id, _ = stores[ATTENTION]
    server.stop()
    server.start(extra=["--sim-fail", "change-certificate=1", "--sim-fail", "change-rollback=1"])
    try:
        expect(tab.locator("#connection")).to_have_attribute("data-state", "live", timeout=15_000)
        dialog = open_detail(tab, ATTENTION)
        extra = f"shop-{SUFFIX}.example.net"
        dialog.get_by_label("Extra domain").fill(extra)
        dialog.get_by_role("button", name="Add domain").click()
        first = history(dialog).first
        expect(first).to_contain_text("Rollback failed", timeout=20_000)
        expect(first).to_contain_text("certificate failed")
        attention = dialog.get_by_test_id("attention")
        expect(attention).to_contain_text("Needs attention")
        expect(attention).to_contain_text("its rollback")
        expect(row(tab, store_id).locator(".attention-mark")).to_have_count(1)
        expect(dialog.get_by_role("list", name="Domains").locator(f'li[data-domain-item="{extra}"]')).to_have_count(0)
        attention.scroll_into_view_if_needed()
        shot(tab, "37-needs-attention", full_page=False)
        close_detail(dialog)
    finally:
        server.stop()
        server.start()
    expect(tab.locator("#connection")).to_have_attribute("data-state", "live", timeout=15_000)


def test_a_viewer_sees_operations_but_no_operation_controls(browser, server, stores):
    context, page = open_page(browser, server, os.environ["URUMI_VIEWER_TOKEN"])
    try:
        dialog = open_detail(page, ROLLBACK)  # its history holds one operation once the rollback test ran
        expect(dialog.get_by_role("heading", name="Operation history")).to_be_visible()
        expect(dialog.get_by_role("list", name="Domains")).to_be_visible()
        expect(dialog.locator("#detail-actions button")).to_have_count(0)
        for name in ("Apply change", "Add domain", re.compile("^Suspend"), re.compile("^Resume"), re.compile("^Remove")):
            expect(dialog.get_by_role("button", name=name)).to_have_count(0)
        expect(dialog.get_by_label("Plan", exact=True)).to_have_count(0)
        expect(dialog.locator("form")).to_have_count(0)
        assert page.errors == []
    finally:
        context.close()


def test_a_phone_shows_an_updating_store_and_its_operation_without_sideways_scroll(browser, server, stores, shot):
    store_id, _ = stores[OTHER]
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(server.url + f"/?q={OTHER.replace(' ', '%20')}", wait_until="domcontentloaded")
        sign_in(page, os.environ["URUMI_ADMIN_TOKEN"])
        expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=15_000)
        card = page.locator(f'#store-list .store[data-store-id="{store_id}"]')
        expect(card.locator(".badge")).to_contain_text("Ready")
        status, body = server.request("PATCH", f"/stores/{store_id}", {"plan": "medium", "plugins": ["akismet"]})
        assert status == 202, body
        expect(card.locator(".badge")).to_have_attribute("data-status", "updating")
        expect(card.get_by_test_id("operation")).to_contain_text("Update: plan → medium · plugins → akismet")
        card.get_by_role("button", name=f"Details of {OTHER}").tap()
        dialog = page.locator("#detail")
        expect(dialog.locator(".badge")).to_contain_text("Updating")
        expect(dialog.get_by_test_id("operation")).to_be_visible()
        widths = dialog.evaluate("d => [d.scrollWidth, d.clientWidth, d.getBoundingClientRect().right]")
        assert widths[0] <= widths[1] and widths[2] <= 375, f"dialog overflows: {widths}"
        shot(page, "38-phone-operation", full_page=False)
        expect(dialog.locator(".badge")).to_contain_text("Ready", timeout=20_000)
        expect(dialog.get_by_test_id("fact-plugins")).to_have_text("akismet")
        expect(card.locator(".store-meta")).to_contain_text("medium plan")
        expect(card.get_by_test_id("operation")).to_have_count(0)
        page_widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert page_widths[0] <= page_widths[1] <= 375, f"page scrolls sideways: {page_widths}"
    finally:
        context.close()
