"""A real MLflow tracking server and headless Chromium, for the tracking tests and the docs'
screenshot: ``python benchmarks/mlflow_ui.py docs/images/mlflow-compare.png`` runs the demo
twice (the second with other settings) against a server of its own and saves MLflow's
comparison of the two runs."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"  # Debian's chromium and chromium-driver: no browser download
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_OPTIONS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--window-size=1600,1000")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def mlflow_command() -> str:
    """The ``mlflow`` script next to this Python (the venv's)."""
    return str(Path(sys.executable).parent / "mlflow")


def wait_until_healthy(uri: str, process: subprocess.Popen, seconds: float) -> None:
    """Waits (at most ``seconds``) for the server's ``/health`` to answer ``OK``.

    Raises:
        RuntimeError: If the server exits or does not answer in time.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mlflow server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{uri}/health", timeout=2) as answer:
                if answer.read().strip() == b"OK":
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"mlflow server at {uri} did not answer within {seconds:.0f}s")


@contextmanager
def mlflow_server(folder: Path, ready_seconds: float = 90.0) -> Iterator[str]:
    """``mlflow server`` on 127.0.0.1 with a SQLite backend and an artifact root in ``folder``,
    one worker; yields its URI, and stops it (terminate, then kill after 15 s) on the way out."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    uri = f"http://127.0.0.1:{port}"
    log = open(folder / "server.log", "wb")
    process = subprocess.Popen(
        [mlflow_command(), "server", "--backend-store-uri", f"sqlite:///{folder / 'mlflow.db'}",
         "--artifacts-destination", str(folder / "artifacts"), "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_healthy(uri, process, ready_seconds)
        yield uri
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        log.close()


@contextmanager
def headless_chromium() -> Iterator:
    """A Selenium driver of Debian's headless Chromium; quits on the way out."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for option in CHROMIUM_OPTIONS:
        options.add_argument(option)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for_text(driver, text: str, seconds: float = 60.0) -> str:
    """Waits (at most ``seconds``) until the page's visible text holds ``text``; returns that text.

    Raises:
        TimeoutError: If it never does.
    """
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + seconds
    shown = ""
    while time.monotonic() < deadline:
        shown = driver.find_element(By.TAG_NAME, "body").text
        if text in shown:
            return shown
        time.sleep(0.5)
    raise TimeoutError(f"{driver.current_url} did not show {text!r} within {seconds:.0f}s; it shows: {shown[:500]!r}")


def compare_page(uri: str, experiment_id: str, run_ids: list[str]) -> str:
    """The address of MLflow's comparison of runs."""
    query = urllib.parse.urlencode({"runs": json.dumps(run_ids), "experiments": json.dumps([experiment_id])})
    return f"{uri}/#/compare-runs?{query}"


def show_differences(driver) -> None:
    """On MLflow's comparison page: closes the assistant panel, shows only the params and tags
    that differ, and scrolls to the run details."""
    from selenium.webdriver.common.by import By

    for label in ("Close", "Parameters - Show diff only", "Tags - Show diff only"):
        for button in driver.find_elements(By.CSS_SELECTOR, f'button[aria-label="{label}"]'):
            button.click()
    details = driver.find_elements(By.XPATH, "//*[text()='Run details']")
    if details:
        driver.execute_script("arguments[0].scrollIntoView();", details[0])
    time.sleep(2)  # the tables redraw


def run_demo(root: Path, uri: str, *overrides: str) -> dict:
    """``rnnpipe demo --json`` logging to ``uri``; returns its summary."""
    argv = [sys.executable, "-m", "pipeline.cli", "demo", "--root", str(root), "--json",
            "--set", f"tracking.mlflow_uri={uri}"]
    for override in overrides:
        argv += ["--set", override]
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    if done.returncode != 0:
        raise SystemExit(f"rnnpipe demo failed ({done.returncode}): {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def screenshot_comparison(output: Path) -> None:
    """Two demo runs (12 and 6 epochs) logged to a fresh server, compared in MLflow, saved as ``output``."""
    folder = Path(tempfile.mkdtemp(prefix="rnnpipe-mlflow-ui-"))
    try:
        with mlflow_server(folder / "server") as uri:
            first = run_demo(folder / "root", uri)
            second = run_demo(folder / "root", uri, "trainer.epochs=6", "model.units=[16]")
            runs = [summary["tracking"]["mlflow_run_id"] for summary in (first, second)]
            experiment = first["tracking"]["url"].split("/experiments/")[1].split("/")[0]
            with headless_chromium() as driver:
                driver.set_window_size(1500, 1500)
                driver.get(compare_page(uri, experiment, runs))
                wait_for_text(driver, "trainer.epochs")
                show_differences(driver)
                output.parent.mkdir(parents=True, exist_ok=True)
                driver.save_screenshot(str(output))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", nargs="?", default=str(REPO / "docs" / "images" / "mlflow-compare.png"))
    screenshot_comparison(Path(parser.parse_args().output))


if __name__ == "__main__":
    main()
