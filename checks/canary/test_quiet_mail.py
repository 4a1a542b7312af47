"""The must-use plugin the chart mounts into the WordPress pod while the canary is on
(files/canary/quiet-mail.php): WooCommerce sends no e-mail for a canary order — not the shop
owner's "new order" or "cancelled order", not the canary customer's "processing" — and every
other order keeps the shop's settings. It runs under this machine's PHP against
mu_standin.php, a stand-in for add_filter/apply_filters and WC_Order::get_billing_email(),
asked the way WC_Email::is_enabled() asks. That WooCommerce really asks it at checkout is
scripts/e2e-real-cluster's job; that the chart mounts it with the marker is check-manifests'.
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import pytest

from conftest import HERE, MARKER, SCRIPTS

PLUGIN = SCRIPTS / "quiet-mail.php"
ORDER_EMAILS = ["new_order", "cancelled_order", "failed_order",
                "customer_on_hold_order", "customer_processing_order", "customer_completed_order"]


def ask(questions: Any, marker: str | None = MARKER) -> Any:
    env = {k: v for k, v in os.environ.items() if k != "CANARY_EMAIL"}
    if marker is not None:
        env["CANARY_EMAIL"] = marker
    result = subprocess.run(["php", str(HERE / "mu_standin.php"), str(PLUGIN)], input=json.dumps(questions),
                            capture_output=True, text=True, env=env, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == "", result.stderr
    return json.loads(result.stdout)


def test_a_canary_order_sends_the_shop_owner_no_new_order_or_cancelled_order_mail() -> None:
    canary = {"billing_email": MARKER}
    answers = ask([{"email": e, "enabled": True, "order": canary} for e in ORDER_EMAILS])
    assert answers == [False] * len(ORDER_EMAILS)


def test_the_marker_is_matched_whatever_its_case() -> None:
    assert ask([{"email": "new_order", "enabled": True, "order": {"billing_email": MARKER.upper()}}]) == [False]


def test_a_customers_order_keeps_the_shops_settings() -> None:
    customer = {"billing_email": "ada@example.com"}
    questions = [{"email": e, "enabled": enabled, "order": customer} for e in ORDER_EMAILS for enabled in (True, False)]
    assert ask(questions) == [q["enabled"] for q in questions]


def test_an_address_that_only_contains_the_marker_is_not_the_canary() -> None:
    assert ask([{"email": "new_order", "enabled": True, "order": {"billing_email": "x" + MARKER}}]) == [True]


@pytest.mark.parametrize("order", [None, "not an order"])
def test_an_email_without_an_order_is_left_alone(order: Any) -> None:
    assert ask([{"email": "new_order", "enabled": True, "order": order}]) == [True]


def test_other_emails_are_not_touched() -> None:
    hooks = ask({"registered": True})
    assert sorted(hooks) == sorted(f"woocommerce_email_enabled_{e}" for e in ORDER_EMAILS)
    assert ask([{"email": "customer_reset_password", "enabled": True, "order": {"billing_email": MARKER}}]) == [True]


def test_without_a_marker_it_filters_nothing() -> None:
    assert ask({"registered": True}, marker=None) == []
    assert ask({"registered": True}, marker="") == []
