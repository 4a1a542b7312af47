"""The canary's last container with its cleanup: canary.sh runs `wp eval-file cleanup.php`,
then report.php. No WordPress can run here, so `wp` is a shim that runs cleanup.php against
wc_standin.php, a stand-in for the handful of WooCommerce calls it makes (see that file: it
copies WooCommerce's documented behaviour of those calls, nothing more). The shopping step is
the real one, against the Store API test server, whose orders and stock seed the stand-in.
What this proves is cleanup.php's own logic and its result reaching the report; cleanup.php
against real WooCommerce is scripts/e2e-real-cluster's job.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import DOMAIN, HERE, MARKER, SAMPLE, SCRIPTS
from store_api_server import StoreApiServer


@pytest.fixture
def woo(tmp_path: Path, server: StoreApiServer):
    """The stand-in's state file, a `wp` shim on PATH, and a way to copy the test server's
    orders and stock into it (what WooCommerce's database would hold after the checkout)."""
    state = tmp_path / "standin.json"
    state.write_text(json.dumps({"products": {}, "orders": {}, "break": None}))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "wp-calls"
    (bin_dir / "wp").write_text(
        "#!/bin/sh\n"
        f"echo \"$*\" >>'{calls}'\n"
        "prev=''\n"
        "for arg in \"$@\"; do\n"
        f"  if [ \"$prev\" = eval-file ]; then exec php '{HERE / 'wc_standin.php'}' \"$arg\"; fi\n"
        "  prev=$arg\n"
        "done\n"
        "echo 'wp shim: no eval-file' >&2; exit 2\n")
    (bin_dir / "wp").chmod(0o755)

    class Woo:
        path = f"{bin_dir}:/usr/bin:/bin"

        @staticmethod
        def read() -> dict:
            return json.loads(state.read_text())

        @staticmethod
        def write(data: dict) -> None:
            state.write_text(json.dumps(data))

        @staticmethod
        def sync_from_server(extra_orders: dict | None = None, broken: str | None = None) -> None:
            products = {str(p.id): {"stock": p.stock} for p in server.state.products.values()
                        if p.stock is not None}
            orders = {str(o.id): {"status": o.status, "billing_email": o.billing["email"],
                                  "items": {str(k): v for k, v in o.items.items()},
                                  "stock_reduced": o.stock_reduced}
                      for o in server.state.orders.values()}
            orders.update(extra_orders or {})
            Woo.write({"products": products, "orders": orders, "break": broken})

        @staticmethod
        def calls() -> list[str]:
            return calls.read_text().splitlines() if calls.exists() else []

    Woo.env = {"STANDIN_STATE": str(state), "PATH": Woo.path}
    return Woo


def test_the_cleanup_cancels_and_deletes_the_order_and_the_stock_comes_back(server, run_canary, woo) -> None:
    run = run_canary(skip_cleanup=False, between=woo.sync_from_server, **woo.env)

    assert run.code == 0 and run.result["outcome"] == "passed", run.output
    assert [(s["name"], s["ok"], s.get("skipped")) for s in run.result["steps"]] == [
        ("products", True, None), ("add-item", True, None), ("checkout", True, None),
        ("cancel", True, None), ("delete", True, None)]
    cancel = next(s for s in run.result["steps"] if s["name"] == "cancel")
    assert cancel["stockBefore"] == {"42": SAMPLE.stock - 1} and cancel["stockAfter"] == {"42": SAMPLE.stock}
    after = woo.read()
    assert not after["orders"] and after["products"]["42"]["stock"] == SAMPLE.stock
    assert "woocommerce_email_enabled_cancelled_order" in after["filters"]
    (call,) = woo.calls()
    assert f"--url=https://{DOMAIN}" in call and "--path=" in call
    assert call.endswith(f"eval-file {SCRIPTS / 'cleanup.php'}")


def test_leftovers_of_killed_runs_go_and_customers_orders_stay(server, run_canary, woo) -> None:
    stranger = {"status": "processing", "billing_email": "real.customer@example.com",
                "items": {"42": 2}, "stock_reduced": True}
    leftovers = {
        "900": {"status": "processing", "billing_email": MARKER.upper(), "items": {"42": 1}, "stock_reduced": True},
        "901": {"status": "checkout-draft", "billing_email": MARKER, "items": {"42": 1}, "stock_reduced": False},
        "902": stranger,
    }
    server.state.products[42].stock = SAMPLE.stock - 3  # 900 and the stranger's order took 3

    run = run_canary(skip_cleanup=False, between=lambda: woo.sync_from_server(leftovers), **woo.env)

    assert run.result["outcome"] == "passed", run.output
    assert run.result["leftovers"] == 2
    after = woo.read()
    assert list(after["orders"]) == ["902"] and after["orders"]["902"]["status"] == "processing"
    # This run's order and leftover 900 put back; the draft never took any; the stranger's 2 stay out.
    assert after["products"]["42"]["stock"] == SAMPLE.stock - 2


def test_an_order_that_is_not_the_canarys_is_left_alone(server, run_canary, woo) -> None:
    woo.write({"products": {"42": {"stock": 98}}, "break": None, "orders": {
        "77": {"status": "processing", "billing_email": "real.customer@example.com",
               "items": {"42": 2}, "stock_reduced": True}}})
    shop = {"outcome": "passed", "order": 77, "product": 42, "latencyMs": 30,
            "steps": [{"name": n, "ms": 10, "status": s, "ok": True}
                      for n, s in (("products", 200), ("add-item", 201), ("checkout", 200))]}

    run = run_canary(skip_cleanup=False, shop=False, files={"shop.json": json.dumps(shop)}, **woo.env)

    assert run.result["outcome"] == "failed" and run.result["failedStep"] == "cancel", run.message
    assert "not a canary order" in run.result["reason"]
    after = woo.read()
    assert after["orders"]["77"]["status"] == "processing" and after["products"]["42"]["stock"] == 98


def test_a_cancel_that_does_not_put_the_stock_back_fails_and_keeps_the_order(server, run_canary, woo) -> None:
    run = run_canary(skip_cleanup=False, between=lambda: woo.sync_from_server(broken="restore"), **woo.env)

    assert run.code != 0 and run.result["failedStep"] == "cancel", run.message
    assert "still counts its stock as reduced" in run.result["reason"]
    assert "delete" not in [s["name"] for s in run.result["steps"]]
    assert woo.read()["orders"], "the order must stay for a person to look at"


def test_a_delete_that_leaves_the_order_fails_at_delete(server, run_canary, woo) -> None:
    run = run_canary(skip_cleanup=False, between=lambda: woo.sync_from_server(broken="delete"), **woo.env)

    assert run.code != 0 and run.result["failedStep"] == "delete", run.message
    assert "still exists after the delete" in run.result["reason"]
    assert next(s for s in run.result["steps"] if s["name"] == "cancel")["ok"] is True
