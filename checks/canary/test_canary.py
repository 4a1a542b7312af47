"""The order canary's shopping step and result against the Store API test server.

Real PHP runs the chart's own scripts (helm/store/files/canary); the server keeps stock and
orders and records every request. The WP-CLI cancel/delete cannot run here (no WordPress):
these tests stop before it (CANARY_SKIP_CLEANUP=1) except where they show what happens when
WP-CLI is missing.
"""

from __future__ import annotations

import json

from conftest import DOMAIN, MARKER, SAMPLE, Run
from store_api_server import Product, StoreApiServer

SHOPPING = ["GET products", "GET cart", "POST cart/add-item", "POST cart/update-customer",
            "POST checkout"]


def steps(run: Run) -> dict[str, dict]:
    return {step["name"]: step for step in run.result["steps"]}


def assert_failed_at(run: Run, step: str, status: int | None, *words: str) -> None:
    assert run.code != 0, run.output
    assert run.result["outcome"] == "failed", run.message
    assert run.result["failedStep"] == step, run.message
    named = steps(run)
    assert named[step]["ok"] is False, run.message
    if status is not None:
        assert named[step]["status"] == status, run.message
    for word in words:
        assert word in run.result["reason"], run.message
    shopping = [s["name"] for s in run.result["steps"] if s["name"] in ("products", "add-item", "checkout")]
    if step in shopping:
        assert shopping[-1] == step, "shopping went on after the failed step"


# ------------------------------------------------------------------------- passing runs


def test_a_passing_run_shops_through_every_step_and_reports_them(server: StoreApiServer, run_canary) -> None:
    run = run_canary()

    assert run.code == 0, run.output
    result = run.result
    assert result["outcome"] == "passed" and "reason" not in result and "failedStep" not in result
    assert result["canary"] == "canary-0001"
    assert [(s["name"], s.get("status"), s["ok"]) for s in result["steps"]] == [
        ("products", 200, True), ("add-item", 201, True), ("checkout", 200, True),
        ("cancel", None, True), ("delete", None, True)]
    assert all(s.get("skipped") for s in result["steps"][3:]), "cancel/delete must say skipped"
    shopping_ms = sum(s["ms"] for s in result["steps"][:3])
    # Each step's ms is rounded on its own: allow a millisecond per step.
    assert isinstance(result["latencyMs"], int) and result["latencyMs"] >= shopping_ms - 3 > -3
    (order,) = server.state.orders.values()
    assert result["order"] == order.id and result["product"] == SAMPLE.id
    assert server.state.products[SAMPLE.id].stock == SAMPLE.stock - 1


def test_the_order_is_cash_on_delivery_for_the_marked_canary_customer(server: StoreApiServer, run_canary) -> None:
    run_canary()

    (order,) = server.state.orders.values()
    assert order.payment_method == "cod" and order.status == "processing"
    # The cleanup finds canary orders (also those of killed runs) by this e-mail only.
    assert order.billing["email"] == MARKER and MARKER.endswith(".invalid")
    assert (order.billing["first_name"], order.billing["last_name"]) == ("Urumi", "Canary")
    assert "canary-0001" in order.customer_note
    # The store's own address: valid for its country and inside its shipping zones.
    assert (order.billing["country"], order.billing["state"], order.billing["postcode"]) == ("US", "CA", "94105")
    assert order.shipping["city"] == "San Francisco" and "email" not in order.shipping


def test_requests_follow_the_documented_handshake(server: StoreApiServer, run_canary) -> None:
    run_canary()

    requests = server.state.requests
    assert server.state.routes() == SHOPPING
    for request in requests:
        # The store's host name, and the scheme the ingress controller would forward.
        assert request.headers["host"] == DOMAIN
        assert request.headers["x-forwarded-proto"] == "https"
        assert "?rest_route" not in request.route
    products, cart, add, customer, checkout = requests
    assert products.query.get("per_page") == "100"
    assert "nonce" not in cart.headers and "cart-token" not in cart.headers
    token = next(iter(server.state.sessions))
    for write in (add, customer, checkout):
        assert write.headers["cart-token"] == token
        assert write.headers.get("nonce"), "every write sends the nonce it was given"
    assert add.body == {"id": SAMPLE.id, "quantity": 1}
    assert customer.body["billing_address"]["email"] == MARKER
    assert checkout.body["payment_method"] == "cod"
    assert checkout.body["billing_address"] == customer.body["billing_address"]
    assert set(checkout.body["shipping_address"]) >= {"first_name", "last_name", "address_1", "city",
                                                      "state", "postcode", "country"}


def test_without_cart_tokens_the_renewed_nonce_and_session_cookie_carry_the_cart(
        server: StoreApiServer, run_canary) -> None:
    # The server accepts only the newest nonce of a session: the canary must keep the renewed one.
    server.state.cart_tokens = False

    run = run_canary()

    assert run.result["outcome"] == "passed", run.message
    writes = [r for r in server.state.requests if r.method == "POST"]
    assert writes and all("cart-token" not in r.headers for r in writes)
    assert all("wp_woocommerce_session_" in r.headers.get("cookie", "") for r in writes)
    assert len({r.headers["nonce"] for r in writes}) == len(writes), "the nonce was not renewed"


def test_another_in_stock_product_is_bought_when_the_sample_product_is_sold_out(
        server: StoreApiServer, run_canary) -> None:
    server.state.products[SAMPLE.id].stock = 0
    server.state.add_product(Product(7, "Mug", "MUG-1", 1200, None, type="variable"))
    server.state.add_product(Product(8, "Gift card", "GIFT-1", 5000, 3, purchasable=False))
    server.state.add_product(Product(9, "Cap", "CAP-1", 1500, 5))

    run = run_canary()

    assert run.result["outcome"] == "passed", run.message
    assert run.result["product"] == 9
    assert server.state.products[9].stock == 4 and server.state.products[SAMPLE.id].stock == 0


def test_a_store_that_preselects_no_shipping_rate_gets_one_chosen(server: StoreApiServer, run_canary) -> None:
    server.state.preselect_rate = False

    run = run_canary()

    assert run.result["outcome"] == "passed", run.message
    assert "POST cart/select-shipping-rate" in server.state.routes()
    chosen = next(r for r in server.state.requests if r.route == "cart/select-shipping-rate")
    assert chosen.body == {"package_id": 0, "rate_id": "free_shipping:1"}


def test_without_urumi_canary_id_the_job_name_identifies_the_run(server: StoreApiServer, run_canary) -> None:
    run = run_canary(URUMI_CANARY_ID="")

    assert run.result["canary"] == "store-7f3c9a1e-canary-1a2b3c"


# ------------------------------------------------------------------------- failing runs


def test_a_500_at_products_fails_the_products_step(server: StoreApiServer, run_canary) -> None:
    server.state.fault("products", 500)

    run = run_canary()

    assert_failed_at(run, "products", 500, "HTTP 500")
    assert run.result["order"] is None and run.result["product"] is None
    assert server.state.routes() == ["GET products"]


def test_a_catalogue_without_anything_in_stock_fails_the_products_step(server: StoreApiServer, run_canary) -> None:
    server.state.products[SAMPLE.id].stock = 0

    run = run_canary()

    assert_failed_at(run, "products", 200, "no purchasable, in-stock simple product")


def test_a_product_sold_out_after_listing_fails_the_add_item_step(server: StoreApiServer, run_canary) -> None:
    def sell_out(state) -> None:
        state.products[SAMPLE.id].stock = 0
    server.state.after["products"] = sell_out

    run = run_canary()

    assert_failed_at(run, "add-item", 400, "woocommerce_rest_product_out_of_stock",
                     "out of stock")
    assert "&quot;" not in run.result["reason"], "HTML entities of WooCommerce's message decoded"
    assert not server.state.orders


def test_a_cart_that_hands_out_no_nonce_fails_the_add_item_step(server: StoreApiServer, run_canary) -> None:
    server.state.fault("cart", 503, body="<html><body>Service Unavailable</body></html>")

    run = run_canary()

    assert_failed_at(run, "add-item", 503, "Nonce", "Service Unavailable")
    assert "POST cart/add-item" not in server.state.routes()


def test_a_refused_checkout_fails_the_checkout_step_and_keeps_the_stock(server: StoreApiServer, run_canary) -> None:
    server.state.gateways.clear()  # Cash on Delivery switched off in the shop

    run = run_canary()

    assert_failed_at(run, "checkout", 400, "woocommerce_rest_checkout_payment_method_disabled")
    assert run.result["order"] is None and not server.state.orders
    assert server.state.products[SAMPLE.id].stock == SAMPLE.stock


def test_a_checkout_whose_payment_failed_still_reports_the_order_for_the_cleanup(
        server: StoreApiServer, run_canary) -> None:
    server.state.fault("checkout", 200, body={
        "order_id": 1234, "status": "failed", "order_key": "wc_order_x",
        "payment_result": {"payment_status": "failure", "payment_details": [], "redirect_url": ""}})

    run = run_canary()

    assert_failed_at(run, "checkout", 200, "1234", "failure")
    assert run.result["order"] == 1234
    # The cleanup runs for it all the same (skipped here).
    assert [s["name"] for s in run.result["steps"]][-2:] == ["cancel", "delete"]


def test_an_answer_of_an_unexpected_shape_fails_its_own_step(server: StoreApiServer, run_canary) -> None:
    # A cart whose shipping packages are not objects (a broken plugin, say).
    server.state.fault("cart/update-customer", 200, body={"needs_shipping": True,
                                                         "shipping_rates": [{"shipping_rates": "x"}]})

    run = run_canary()

    assert_failed_at(run, "checkout", 200, "could not be read")
    assert not server.state.orders


def test_a_huge_error_page_still_fits_the_termination_message(server: StoreApiServer, run_canary) -> None:
    server.state.fault("products", 502, body="<html>" + "Bad gateway ⚠ " * 20000 + "</html>")

    run = run_canary()

    assert_failed_at(run, "products", 502, "Bad gateway")
    assert len(run.message.encode()) < 4096


# ------------------------------------------------------------------------- timeouts


def test_a_hanging_checkout_fails_within_timeout_seconds(server: StoreApiServer, run_canary) -> None:
    server.state.fault("checkout", None, hang=60)

    run = run_canary(CANARY_TIMEOUT_SECONDS="3")

    assert_failed_at(run, "checkout", 0, "timeout", "3s")
    # The canary's own clock, and the wall clock of both scripts (PHP starts twice) on a busy machine.
    assert 2500 <= run.result["latencyMs"] <= 3500, run.message
    assert run.seconds < 3 + 5, f"took {run.seconds:.1f} s for a 3 s budget (the store hangs 60 s)"


def test_a_hanging_catalogue_fails_the_products_step_within_timeout_seconds(
        server: StoreApiServer, run_canary) -> None:
    server.state.fault("products", None, hang=60)

    run = run_canary(CANARY_TIMEOUT_SECONDS="2")

    assert_failed_at(run, "products", 0, "timeout")
    assert 1500 <= run.result["latencyMs"] <= 2500, run.message
    assert run.seconds < 2 + 5


def test_a_slow_store_is_measured_not_failed(server: StoreApiServer, run_canary) -> None:
    server.state.fault("cart/add-item", None, hang=0.6)

    run = run_canary(CANARY_TIMEOUT_SECONDS="10")

    assert run.result["outcome"] == "passed", run.message
    assert steps(run)["add-item"]["ms"] >= 600 and run.result["latencyMs"] >= 600


def test_an_unreachable_store_fails_the_products_step(server: StoreApiServer, run_canary) -> None:
    run = run_canary(CANARY_BASE_URL="http://127.0.0.1:9")  # nothing listens on the discard port

    assert_failed_at(run, "products", 0, "no answer")


# ------------------------------------------------------------------------- the report


def test_without_wp_cli_the_canary_fails_at_cancel_and_still_reports(server: StoreApiServer, run_canary, tmp_path) -> None:
    # No `wp` here, like a pod whose WordPress cannot boot: the order stays, the result says so.
    run = run_canary(skip_cleanup=False, PATH=f"{tmp_path}:/usr/bin:/bin")

    assert_failed_at(run, "cancel", None, "WP-CLI", "left no result")
    assert run.result["order"] == next(iter(server.state.orders))
    assert [s["name"] for s in run.result["steps"]] == ["products", "add-item", "checkout", "cancel"]


def test_a_shopping_step_that_left_nothing_fails_the_run(server: StoreApiServer, run_canary) -> None:
    run = run_canary(shop=False)

    assert run.code != 0 and run.result["outcome"] == "failed"
    assert run.result["failedStep"] == "products" and "left no result" in run.result["reason"]
    assert run.result["steps"] == [] and run.result["order"] is None


def test_a_failed_cancel_written_by_the_cleanup_fails_the_run(server: StoreApiServer, run_canary, tmp_path) -> None:
    # cleanup.php's result file as it writes it when WooCommerce refused to restore the stock;
    # a fake `wp` stands in for WP-CLI and writes exactly that file.
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "wp").write_text("#!/bin/sh\nprintf '%s\\n' \"$FAKE_CLEANUP\" >\"$CANARY_WORK_DIR/cleanup.json\"\n")
    (fake / "wp").chmod(0o755)
    cleanup = {"steps": [{"name": "cancel", "ms": 40, "ok": False, "stockBefore": {"42": 99},
                          "stockAfter": {"42": 99},
                          "error": "order 1001 is cancelled, but WooCommerce still counts its stock as reduced"}],
               "leftovers": 2}

    run = run_canary(skip_cleanup=False, PATH=f"{fake}:/usr/bin:/bin", FAKE_CLEANUP=json.dumps(cleanup))

    assert_failed_at(run, "cancel", None, "still counts its stock as reduced")
    assert steps(run)["cancel"]["stockAfter"] == {"42": 99}
    assert run.result["leftovers"] == 2


def test_a_passing_cleanup_makes_a_passing_run(server: StoreApiServer, run_canary, tmp_path) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "wp").write_text("#!/bin/sh\nprintf '%s\\n' \"$FAKE_CLEANUP\" >\"$CANARY_WORK_DIR/cleanup.json\"\n")
    (fake / "wp").chmod(0o755)
    cleanup = {"steps": [{"name": "cancel", "ms": 40, "ok": True, "stockBefore": {"42": 99}, "stockAfter": {"42": 100}},
                         {"name": "delete", "ms": 12, "ok": True}], "leftovers": 0}

    run = run_canary(skip_cleanup=False, PATH=f"{fake}:/usr/bin:/bin", FAKE_CLEANUP=json.dumps(cleanup))

    assert run.code == 0 and run.result["outcome"] == "passed", run.output
    assert [s["name"] for s in run.result["steps"]] == ["products", "add-item", "checkout", "cancel", "delete"]
    assert "error" not in steps(run)["cancel"]


# ------------------------------------------------------------------------- the test server's rules


def test_the_test_server_enforces_the_documented_nonce_rule(server: StoreApiServer) -> None:
    import urllib.error
    import urllib.request

    def post(route: str, headers: dict[str, str]) -> tuple[int, dict]:
        request = urllib.request.Request(f"{server.url}/wp-json/wc/store/v1/{route}", method="POST",
                                         data=json.dumps({"id": SAMPLE.id, "quantity": 1}).encode(),
                                         headers={"Content-Type": "application/json", **headers})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    status, body = post("cart/add-item", {})
    assert (status, body["code"]) == (401, "woocommerce_rest_missing_nonce")
    status, body = post("checkout", {"Nonce": "made-up"})
    assert (status, body["code"]) == (403, "woocommerce_rest_invalid_nonce")
    with urllib.request.urlopen(f"{server.url}/?rest_route=/wc/store/v1/cart", timeout=5) as response:
        token, nonce = response.headers["Cart-Token"], response.headers["Nonce"]
    assert post("cart/add-item", {"Cart-Token": token})[0] == 201  # a Cart-Token needs no nonce
    assert post("cart/add-item", {"Cart-Token": token, "Nonce": nonce})[0] == 403  # renewed since
