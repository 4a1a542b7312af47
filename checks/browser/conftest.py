"""Fixtures for the dashboard's real-browser test.

`scripts/test-browser` starts PostgreSQL and `urumi serve`, then runs pytest with:
URUMI_URL (the running server), URUMI_BIN, DATABASE_URL, URUMI_SIM_LATENCY (to start it
again on the same port and database), URUMI_SERVER_PIDFILE (the live server's pid; the
script's trap stops whatever pid is in it), URUMI_WORK (a folder for logs), and
URUMI_ADMIN_TOKEN / URUMI_VIEWER_TOKEN (authentication is on: pages sign in with them).
"""

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect, sync_playwright

SCREENSHOTS = Path(os.environ.get("URUMI_SCREENSHOTS", "/tmp/urumi-screenshots"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


class Server:
    """The `urumi serve` under test: its URL, a REST helper, and stop/start on the same port."""

    def __init__(self):
        self.url = os.environ["URUMI_URL"].rstrip("/")
        self.port = urlparse(self.url).port
        self.pidfile = Path(os.environ["URUMI_SERVER_PIDFILE"])
        self.work = Path(os.environ["URUMI_WORK"])
        self.starts = 0

    def pid(self):
        return int(self.pidfile.read_text().strip())

    def request(self, method, path, body=None, headers=None, timeout=10, token=None):
        """A REST call as the admin (or `token`); returns (status, parsed JSON or None)."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("accept", "application/json")
        req.add_header("authorization", f"Bearer {token or os.environ['URUMI_ADMIN_TOKEN']}")
        if data is not None:
            req.add_header("content-type", "application/json")
        for key, value in (headers or {}).items():
            req.add_header(key, value)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                text = response.read()
                return response.status, json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            text = error.read()
            return error.code, json.loads(text) if text else None

    def wait_for_store(self, store_id, predicate, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            status, body = self.request("GET", f"/stores/{store_id}")
            if status == 200 and predicate(body):
                return body
            if time.monotonic() > deadline:
                raise AssertionError(f"store {store_id} never matched; last: {status} {body}")
            time.sleep(0.2)

    def stop(self, grace=4, timeout=10):
        """SIGTERM, wait for the HTTP side to close, then for the exit; SIGKILL after `grace` s.

        The kill is reported as a warning, not hidden: a quiet `urumi serve` should exit on
        SIGTERM by itself.
        """
        pid = self.pid()
        os.kill(pid, signal.SIGTERM)
        _wait(lambda: not self._answers(), timeout, f"server {pid} still answers {timeout}s after SIGTERM")
        try:
            _wait(lambda: not _alive(pid), grace, "")
        except AssertionError:
            os.kill(pid, signal.SIGKILL)
            _wait(lambda: not _alive(pid), timeout, f"server {pid} survived SIGKILL")
            warnings.warn(f"urumi serve (pid {pid}) stopped answering on SIGTERM but did not exit within {grace}s; killed it")

    def start(self, timeout=30, extra=()):
        """Starts `urumi serve` again on the same port and database (`extra`: more flags, e.g. faults)."""
        self.starts += 1
        log_path = self.work / f"server-restart-{self.starts}.log"
        log = open(log_path, "wb")
        process = subprocess.Popen(
            [
                os.environ["URUMI_BIN"], "serve", "--database-url", os.environ["DATABASE_URL"],
                "--port", str(self.port), "--sim-latency", os.environ.get("URUMI_SIM_LATENCY", "400ms"), *extra,
            ],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        self.pidfile.write_text(f"{process.pid}\n")
        deadline = time.monotonic() + timeout
        while b"Urumi listening on" not in log_path.read_bytes():
            if process.poll() is not None:
                raise AssertionError(f"server exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"server did not listen within {timeout}s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.1)

    def _answers(self):
        try:
            urllib.request.urlopen(self.url + "/health/live", timeout=1).close()
            return True
        except Exception:
            return False


def _wait(condition, timeout, message):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.05)


def _alive(pid):
    """True while `pid` runs (a zombie waiting for its parent counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


@pytest.fixture(scope="session")
def server():
    return Server()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        # Debian's Chromium; never `playwright install`. Playwright adds --no-sandbox (root).
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def shot():
    """Saves a screenshot under SCREENSHOTS and prints its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name, full_page=True):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        print(f"screenshot: {path}")
        return path

    return take


@pytest.fixture(scope="module")
def page(browser, server):
    """One desktop tab kept open through the module, as one user's session; JS errors fail it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.goto(server.url + "/", wait_until="domcontentloaded")
    sign_in(tab, os.environ["URUMI_ADMIN_TOKEN"])
    yield tab
    context.close()
    assert tab.errors == [], f"JavaScript errors on the page: {tab.errors}"


def sign_in(tab, token):
    """Signs in through the page's form and waits for the store list."""
    tab.get_by_label("Access token").fill(token)
    tab.get_by_role("button", name="Sign in").click()
    tab.locator("#main").wait_for(state="visible")


def open_page(browser, server, token, query):
    """A desktop tab signed in with `token` on `/?query`, live on the stream; returns the
    context (close it) and the page, whose JavaScript errors collect in `page.errors`."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.goto(server.url + f"/?{query}", wait_until="domcontentloaded")
    sign_in(tab, token)
    expect(tab.locator("#connection")).to_have_attribute("data-state", "live", timeout=15_000)
    return context, tab


def row(tab, store_id):
    """The store's row in the table view."""
    return tab.locator(f'#store-rows tr[data-store-id="{store_id}"]')


def open_detail(tab, name):
    """Opens the store's detail view from its table row; returns the dialog."""
    tab.get_by_role("button", name=f"{name} (details)").click()
    dialog = tab.locator("#detail")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#detail-title")).to_have_text(name)
    return dialog


def close_detail(dialog):
    dialog.get_by_role("button", name="Close details").click()
    expect(dialog).to_be_hidden()
