"""The release and the quarantine page in a real browser: headless Chromium (the system's, Debian's
`chromium`), driven over the DevTools protocol through a pipe (`--remote-debugging-pipe`), so no
port, no network and no browser download. A person's path: open the release page, search for an
organisation, open its page, follow a project to its evaluation; open the quarantine page and
filter it to errors. Screenshots go to tests/artefacts/ (ignored by git) to be looked at."""

from __future__ import annotations

import base64
import contextlib
import csv
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ARTEFACTS = Path(__file__).resolve().parent / "artefacts"
WIDTH, HEIGHT = 1366, 900


class Browser:
    """One headless Chromium and one page in it. `call` sends a DevTools command to the page and
    returns its result; `wait_load` waits for the page's load event."""

    def __init__(self, executable: str, profile: Path):
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def fds() -> None:  # Chromium reads commands on fd 3 and writes answers on fd 4
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--remote-debugging-pipe",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            preexec_fn=fds,
            pass_fds=(3, 4),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer, self._next, self._events = b"", 0, []
        target = self._send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self._send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
        )

    def _read(self, timeout: float = 30) -> dict:
        end = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            if time.monotonic() > end:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def _send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next += 1
        msg = {"id": self._next, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        while True:
            answer = self._read()
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]
            self._events.append(answer)

    def call(self, method: str, params: dict | None = None) -> dict:
        return self._send(method, params, self._session)

    def wait_load(self, timeout: float = 30) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for i, e in enumerate(self._events):
                if e.get("method") == "Page.loadEventFired":
                    del self._events[: i + 1]
                    return
            self._events.append(self._read(end - time.monotonic()))
        raise TimeoutError("the page did not load")

    def open(self, url: str) -> None:
        self._events.clear()
        self.call("Page.navigate", {"url": url})
        self.wait_load()

    def js(self, expression: str) -> object:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def click(self, selector: str) -> None:
        """Click the element (a link: wait for the page it opens)."""
        self._events.clear()
        self.js(f"document.querySelector({json.dumps(selector)}).click()")
        self.wait_load()

    def screenshot(self, path: Path, full: bool = False) -> Path:
        params = {"format": "png", "captureBeyondViewport": full}
        if full:
            size = self.call("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": WIDTH, "height": min(size["height"], 6000), "scale": 1}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", params)["data"]))
        return path

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):  # it may close before answering
            self._send("Browser.close")
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._to_chrome)
        os.close(self._from_chrome)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("headless Chromium is not installed here (.ci/run apt-installs `chromium`): browser test not run")
    b = Browser(exe, tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_search_an_organisation_and_follow_a_project_to_its_evaluation(browser, release):
    evaluated = {r["project_id"]: r for r in _rows(release / "csv" / "evaluations.csv")}
    project = next(p for p in _rows(release / "csv" / "projects.csv") if p["project_id"] in evaluated)
    org = next(o for o in _rows(release / "csv" / "organisations.csv") if o["uscc"] == project["provider_uscc"])
    evaluation = evaluated[project["project_id"]]

    browser.open((release / "index.html").as_uri())
    assert "三社联动" in browser.js("document.querySelector('h1').textContent")
    browser.call("Runtime.evaluate", {"expression": "document.getElementById('q').focus()"})
    browser.call("Input.insertText", {"text": org["name"]})  # typed, as a person would
    hits = browser.js("[...document.querySelectorAll('#hits a')].map(a => [a.textContent, a.getAttribute('href')])")
    assert [org["name"], f"explore/org/{org['uscc']}.html"] in hits
    browser.screenshot(ARTEFACTS / "1-search.png")

    browser.click(f"#hits a[href='explore/org/{org['uscc']}.html']")
    assert browser.js("document.querySelector('h1').textContent") == org["name"]
    text = browser.js("document.body.innerText")
    assert org["uscc"] in text and project["name"] in text
    browser.screenshot(ARTEFACTS / "2-organisation.png", full=True)

    browser.click(f"a[href='../project/{project['project_id']}.html#{evaluation['evaluation_id']}']")
    assert browser.js("location.hash") == f"#{evaluation['evaluation_id']}"
    block = browser.js(f"document.getElementById({json.dumps(evaluation['evaluation_id'])}).innerText")
    assert evaluation["grade"] in block and evaluation["score"] in block
    assert browser.js("document.querySelector('h1').textContent") == project["name"]
    browser.screenshot(ARTEFACTS / "3-evaluation.png")


def test_every_explorer_link_on_an_organisation_page_opens(browser, release):
    page = next(iter(sorted((release / "explore" / "org").glob("*.html"))))
    browser.open(page.as_uri())
    links = browser.js("[...document.querySelectorAll('a')].map(a => a.href.split('#')[0])")
    missing = [u for u in links if u.startswith("file://") and not Path(u.removeprefix("file://")).is_file()]
    assert links and missing == []


def test_quarantine_page_filters_to_errors_and_fits_the_screen(browser, sample_run):
    folder = sample_run[0].quarantine_dir
    errors = _rows(folder / "quarantine.csv")
    warnings = _rows(folder / "warnings.csv")
    browser.open((folder / "index.html").as_uri())
    order = browser.js("[...document.querySelectorAll('details.g')].map(d => d.dataset.severity)")
    assert order == sorted(order, key=["error", "warning"].index) and order[0] == "error"
    assert browser.js("document.getElementById('shown').textContent") == str(len(errors) + len(warnings))
    browser.js("var s=document.getElementById('f-severity'); s.value='error'; s.dispatchEvent(new Event('change'))")
    visible = browser.js(
        "[...document.querySelectorAll('details.g')].filter(d => d.offsetParent !== null)"
        ".map(d => [d.dataset.severity, +d.dataset.count])"
    )
    assert visible and {s for s, _ in visible} == {"error"}
    assert sum(n for _, n in visible) == len(errors)
    assert browser.js("document.getElementById('shown').textContent") == str(len(errors))
    # nothing wider than the screen: every table cell ends inside the window
    assert browser.js("document.documentElement.scrollWidth") <= WIDTH
    assert (
        browser.js("Math.max(...[...document.querySelectorAll('td,th')].map(c => c.getBoundingClientRect().right))")
        <= WIDTH
    )
    browser.screenshot(ARTEFACTS / "4-quarantine-errors.png")
