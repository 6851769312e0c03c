"""Browser tests of the operators' console: Playwright (async, in the tests' one event loop,
beside the in-process platform of tests/conftest.py) driving a headless Chromium.

The Chromium is the system's: /usr/bin/chromium or `chromium` on PATH. When there is none it
is installed (`apt-get install -y chromium` as root, else `python -m playwright install
chromium`); the session prints which one it used and FAILS when neither works: a browser test
that cannot run is a failure, never a skip.

Every page is checked the same way (`check_page`): axe-core (vendored under vendor/axe-core,
evaluated in the page, so the page's own Content-Security-Policy stays on) with no critical
or serious violation, no CSP violation in the console, no horizontal scroll at 375 x 812, and a
screenshot of each viewport under artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, async_playwright, expect

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "secret-pass"
# Playwright's assertions keep their own 5 s default whatever a context's default timeout is: a
# saga confirming, a live update arriving or a page loading on a machine running the rest of
# the suite beside it may take longer. A passing assertion returns as soon as it holds.
expect.set_options(timeout=30_000)


def _system_chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


def find_or_install_chromium() -> str | None:
    """A system Chromium's path, installing one when missing; None means Playwright's own
    download (installed by `playwright install chromium`). Fails the session when neither works."""
    found = _system_chromium()
    if found:
        print(f"[browser] using the system Chromium at {found}")
        return found
    attempts: list[str] = []
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                attempts.append(f"{' '.join(command)}: exit {done.returncode}: {done.stderr[-500:]}")
                break
        found = _system_chromium()
        if found:
            print(f"[browser] installed Chromium with apt-get: {found}")
            return found
    done = subprocess.run(
        [sys.executable, "-m", "playwright", "install", "chromium"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode == 0:
        print("[browser] using Playwright's Chromium (python -m playwright install chromium)")
        return None
    attempts.append(f"playwright install chromium: exit {done.returncode}: {done.stderr[-500:]}")
    pytest.fail("No Chromium for the browser tests, and installing one failed:\n" + "\n".join(attempts))


@pytest.fixture(scope="session")
def chromium_executable() -> str | None:
    return find_or_install_chromium()


@pytest.fixture(scope="session")
async def browser(platform, chromium_executable) -> AsyncIterator[Browser]:
    # Asks for the platform so that the platform is torn down after the browser.
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium_executable, headless=True)
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class Console:
    """A logged-in operator's page, with what its console said."""

    page: Page
    base_url: str
    errors: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture
async def console(platform, browser) -> AsyncIterator[Console]:
    """A fresh platform operator, logged in through the login form, in a new browser context."""
    email = f"ops-{uuid.uuid4().hex[:10]}@example.com"
    await platform.users.create_user(email=email, password=PASSWORD, role="PLATFORM_ADMIN", company_id=None)
    context = await browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(60_000)
    page = await context.new_page()
    seen = Console(page, platform.gateway_url)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            seen.errors.append(message.text)

    page.on("console", on_console)
    page.on("dialog", lambda dialog: dialog.accept())  # the forms' confirmations
    await page.goto(seen.url("/ops/sagas"))
    assert "/ops/login" in page.url
    await check(seen, "login")
    await page.get_by_label("E-mail", exact=True).fill(email)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(re.compile(r".*/ops/sagas.*"))
    try:
        yield seen
    finally:
        await context.close()


async def check(console: Console, name: str) -> None:
    """axe (no critical or serious violation), no CSP violation, no horizontal scroll on a
    phone, and screenshots of the desktop and phone views."""
    page = console.page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.wait_for_load_state("load")
    await page.evaluate(AXE.read_text())
    violations = await page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations
                .filter(v => v.impact === "critical" || v.impact === "serious")
                .map(v => `${v.impact} ${v.id}: ${v.help} at `
                    + v.nodes.map(n => n.target.join(" ")).join(", "));
        }"""
    )
    assert violations == [], f"axe on {name}: {violations}"
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    await page.set_viewport_size(PHONE)
    try:
        widths = await page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1] <= PHONE["width"], f"{name} scrolls sideways on a phone: {widths}"
        await page.screenshot(path=str(SCREENSHOTS / f"{name}-phone.png"), full_page=True)
    finally:
        await page.set_viewport_size(DESKTOP)
    csp = [e for e in console.errors if "Content Security Policy" in e]
    assert csp == [], f"{name}: {csp}"


@pytest.fixture
def check_page(console: Console) -> Callable[[str], Awaitable[None]]:
    """`await check_page("name")`: check() on the console's page as it is now."""

    async def checked(name: str) -> None:
        await check(console, name)

    return checked
