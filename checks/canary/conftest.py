"""Fixtures of the order canary's tests: a fresh Store API test server per test, and a runner
that runs the canary's real scripts (helm/store/files/canary) the way its pod does: shop.php
(init container `shop`), then canary.sh (container `canary`, which ends in report.php).

canary.sh's WP-CLI cleanup (cancel and delete inside WordPress) cannot run here: the runner
sets CANARY_SKIP_CLEANUP=1 unless a test asks otherwise, and the report then lists cancel and
delete as skipped. The environment mirrors templates/canary-cronjob.yaml; check-manifests
checks that every variable the scripts read is set there (or is one of the test-only ones).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from store_api_server import Product, StoreApiServer  # noqa: E402

SCRIPTS = HERE.parents[1] / "helm" / "store" / "files" / "canary"
DOMAIN = "cafe-urumi.shops.example.com"
MARKER = "urumi-canary@canary.urumi.invalid"
SAMPLE = Product(42, "Urumi Sample Tee", "URUMI-SAMPLE-001", 2999, 100)


@dataclass
class Run:
    """One canary run: its exit code, the termination message (parsed), the output, the time."""
    code: int
    message: str
    result: dict[str, Any]
    output: str
    seconds: float


@pytest.fixture
def server() -> Iterator[StoreApiServer]:
    with StoreApiServer(DOMAIN) as running:
        running.state.add_product(Product(**vars(SAMPLE)))
        yield running


@pytest.fixture
def run_canary(server: StoreApiServer, tmp_path: Path):
    if not shutil.which("php"):
        pytest.fail("php is not installed (scripts/test-canary installs php-cli and php-curl)")

    def run(skip_cleanup: bool = True, shop: bool = True, files: dict[str, str] | None = None,
            between: Callable[[], None] | None = None, **env: str) -> Run:
        """`files` are written into the work directory first; `between` runs after the shopping
        step and before the last container's script."""
        work = tmp_path / f"work{len(list(tmp_path.iterdir()))}"
        work.mkdir()
        for name, text in (files or {}).items():
            (work / name).write_text(text)
        termination = work / "termination-log"
        base = {
            "PATH": os.environ["PATH"],
            "CANARY_EMAIL": MARKER,
            "CANARY_WORK_DIR": str(work),
            "CANARY_SCRIPTS_DIR": str(SCRIPTS),
            "CANARY_JOB_NAME": "store-7f3c9a1e-canary-1a2b3c",
            "CANARY_BASE_URL": server.url,
            "CANARY_HOST": DOMAIN,
            "CANARY_SCHEME": "https",
            "CANARY_TIMEOUT_SECONDS": "20",
            "CANARY_PRODUCT_SKU": SAMPLE.sku,
            "CANARY_COUNTRY": "US",
            "CANARY_STATE": "CA",
            "CANARY_ADDRESS": "1 Market Street",
            "CANARY_CITY": "San Francisco",
            "CANARY_POSTCODE": "94105",
            "SITE_URL": f"https://{DOMAIN}",
            "CANARY_CLEANUP_SECONDS": "20",
            "URUMI_CANARY_ID": "canary-0001",
            # Test-only: where the termination message goes, and no WP-CLI.
            "CANARY_TERMINATION_LOG": str(termination),
        }
        if skip_cleanup:
            base["CANARY_SKIP_CLEANUP"] = "1"
        base.update(env)
        started = time.monotonic()
        output = ""
        if shop:
            first = subprocess.run(["php", str(SCRIPTS / "shop.php")], env=base, capture_output=True,
                                   text=True, timeout=300)
            output += first.stdout + first.stderr
            assert first.returncode == 0, f"shop.php must always exit 0, got {first.returncode}:\n{output}"
        if between is not None:
            between()
        last = subprocess.run(["sh", str(SCRIPTS / "canary.sh")], env=base, capture_output=True,
                              text=True, timeout=300)
        seconds = time.monotonic() - started
        output += last.stdout + last.stderr
        message = termination.read_text() if termination.exists() else ""
        assert message, f"no termination message was written:\n{output}"
        assert "\n" not in message.strip(), "the termination message is not one line"
        assert len(message.encode()) < 4096, f"termination message of {len(message.encode())} bytes"
        return Run(last.returncode, message, json.loads(message), output, seconds)

    return run
