"""A store's drift in the dashboard: its cluster made to differ behind Urumi's back (`urumi sim
drift`), a report-only check shows what differs in the detail view; the correction asked for
afterwards shows it corrected, live from the stream, with the reconcile in the operation
history.

Run with `scripts/test-browser` (e.g. `scripts/test-browser -k drift`).
"""

import os
import subprocess
import uuid

from conftest import close_detail, open_detail, open_page
from playwright.sync_api import expect

SUFFIX = uuid.uuid4().hex[:6]
NAME = f"Drift {SUFFIX}"


def test_a_drifted_store_shows_what_differs_then_that_it_was_corrected(browser, server):
    status, body = server.request(
        "POST", "/stores",
        {"name": NAME, "domain": f"drift-{SUFFIX}.example.com", "adminEmail": "ops@example.com", "plan": "small"},
        headers={"Idempotency-Key": str(uuid.uuid4())})
    assert status == 202, body
    store_id = body["id"]
    server.wait_for_store(store_id, lambda s: s["status"] == "ready", timeout=60)
    subprocess.run(
        [os.environ["URUMI_BIN"], "sim", "drift", store_id, "--database-url", os.environ["DATABASE_URL"],
         "--delete", "Deployment/wordpress"], check=True, capture_output=True)
    status, found = server.request("POST", f"/stores/{store_id}/drift-checks?action=report")
    assert status == 201, found
    deployment = f"Deployment/store-{store_id[:8]}-wordpress"
    assert [d["name"] for d in found["differences"]] == [deployment]

    context, tab = open_page(browser, server, os.environ["URUMI_ADMIN_TOKEN"], f"view=table&q=drift-{SUFFIX}")
    dialog = open_detail(tab, NAME)
    notice = dialog.get_by_test_id("drift")
    expect(notice).to_have_attribute("data-drift", "reported")
    expect(notice).to_contain_text("reported only")
    expect(notice).to_contain_text(f"object {deployment}: present → absent")

    status, corrected = server.request("POST", f"/stores/{store_id}/drift-checks?action=correct")
    assert status == 201, corrected
    expect(dialog.get_by_test_id("drift")).to_have_attribute("data-drift", "corrected", timeout=20_000)
    expect(dialog).to_contain_text("Correct drift")
    close_detail(dialog)
    context.close()
    assert tab.errors == [], f"JavaScript errors on the page: {tab.errors}"
