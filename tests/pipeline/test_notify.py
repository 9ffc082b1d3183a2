"""The ``notify:`` hooks: a command and a webhook on 127.0.0.1 get the summary of a real demo run; a
failing or hanging hook never changes the exit code; the failure hook hears of failed and interrupted
runs; bad hook values are refused when the config loads."""

from __future__ import annotations

import http.server
import json
import os
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from pipeline.cli import main
from pipeline.config import NotifySettings
from pipeline.notify import check_hook
from tests.conftest import REPO, last_json, rnnpipe

DEMO = str(REPO / "pipeline/configs/demo.yaml")
HANG_SECONDS = 120  # what a hanging hook would take without its timeout


def python_hook(code: str, *args: str) -> str:
    """A hook command running ``code`` in this interpreter, quoted as a config value."""
    return shlex.join([sys.executable, "-c", code, *args])


def setting(key: str, hook: str) -> str:
    """A ``--set`` of ``notify.KEY`` to ``hook``, quoted as YAML (a command may hold ``: ``)."""
    return f"notify.{key}={json.dumps(hook)}"


def saving_hook(path: Path) -> str:
    """A command that saves its standard input and its environment's ``RNNPIPE_EVENT`` to ``path``."""
    return python_hook("import json, os, sys, pathlib; pathlib.Path(sys.argv[1]).write_text(json.dumps("
                       "{'stdin': sys.stdin.read(), 'event': os.environ['RNNPIPE_EVENT']}))", str(path))


def saved(path: Path) -> tuple[dict, str]:
    """What :func:`saving_hook` saved: the JSON it read and its event variable."""
    found = json.loads(path.read_text())
    return json.loads(found["stdin"]), found["event"]


class Webhook(http.server.ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 that keeps every POST; ``/fail`` answers 500, anything else 200."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), WebhookHandler)
        self.received: list[tuple[str, str, dict]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class WebhookHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, self.headers["Content-Type"], json.loads(body)))
        self.send_response(500 if self.path == "/fail" else 200)
        self.end_headers()

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture(scope="module")
def webhook():
    server = Webhook()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="module")
def notified_demo(tmp_path_factory, webhook):
    """One demo run whose success hook is a command and whose push hook is the webhook."""
    folder = tmp_path_factory.mktemp("notified_demo")
    result = rnnpipe("demo", "--root", str(folder / "root"), "--json",
                     "--set", setting("on_success", saving_hook(folder / "success.json")),
                     "--set", setting("on_not_blessed", saving_hook(folder / "not_blessed.json")),
                     "--set", setting("on_push", webhook.url + "/push/secret-token"))
    assert result.returncode == 0, result.stderr[-3000:]
    return folder, last_json(result.stdout), result


@pytest.mark.slow
def test_a_command_and_a_webhook_receive_the_summary_of_a_demo_run(notified_demo, webhook):
    folder, summary, result = notified_demo
    assert summary["pushed_version"] is not None  # a fresh root: the blessed model is pushed
    payload, event = saved(folder / "success.json")
    assert event == "success" and payload == {"event": "success", **summary}
    pushes = [(path, kind, body) for path, kind, body in webhook.received if path == "/push/secret-token"]
    assert pushes == [("/push/secret-token", "application/json", {"event": "push", **summary})]
    assert not (folder / "not_blessed.json").exists()  # it was blessed
    assert "secret-token" not in result.stderr  # a webhook's path is not logged


@pytest.mark.slow
def test_a_hook_that_hangs_past_its_timeout_is_killed_with_its_group_and_the_exit_code_stays(notified_demo, tmp_path):
    folder, _, _ = notified_demo
    pids = tmp_path / "pids"
    # The hook starts a grandchild in its process group, then both sleep far past the timeout.
    hanging = python_hook("import os, subprocess, sys, time; child = subprocess.Popen([sys.executable, '-c', "
                          f"'import time; time.sleep({HANG_SECONDS})']); "
                          "open(sys.argv[1], 'w').write(f'{os.getpid()} {child.pid}'); "
                          f"time.sleep({HANG_SECONDS})", str(pids))
    started = time.monotonic()
    result = rnnpipe("demo", "--root", str(folder / "root"), "--json", "--set", "notify.timeout_seconds=3",
                     "--set", setting("on_success", hanging), timeout=HANG_SECONDS - 30)
    assert result.returncode == 0, result.stderr[-3000:]
    assert time.monotonic() - started < HANG_SECONDS - 30
    assert last_json(result.stdout)["executed"] == []  # cached: only the hook differs
    assert "notify.on_success" in result.stderr and "timed out after 3s" in result.stderr
    for pid in map(int, pids.read_text().split()):
        assert not alive(pid), f"hook process {pid} outlived its timeout"


@pytest.mark.slow
def test_a_failing_command_or_webhook_is_logged_and_the_exit_code_stays(notified_demo, webhook):
    folder, _, _ = notified_demo
    failing = python_hook("import sys; sys.stderr.write('no mail server'); sys.exit(7)")
    result = rnnpipe("demo", "--root", str(folder / "root"), "--json", "--set", setting("on_success", failing))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "notify.on_success (command 'python" in result.stderr and "exit 7: no mail server" in result.stderr
    result = rnnpipe("demo", "--root", str(folder / "root"), "--json",
                     "--set", setting("on_success", webhook.url + "/fail"), "--set", "notify.on_failure=/no/such/program")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "notify.on_success (http://127.0.0.1" in result.stderr and "HTTP 500" in result.stderr
    assert "notify.on_failure" not in result.stderr  # the run did not fail


@pytest.mark.slow
def test_a_failed_run_tells_the_failure_hook_and_keeps_its_exit_code(tmp_path, webhook):
    (tmp_path / "data").mkdir()
    result = rnnpipe("run", DEMO, "--root", str(tmp_path / "root"), "--data-dir", str(tmp_path / "data"), "--json",
                     "--set", setting("on_failure", webhook.url + "/failure"),
                     "--set", "notify.on_success=/no/such/program")
    assert result.returncode == 3, result.stderr[-3000:]
    (body,) = [body for path, _, body in webhook.received if path == "/failure"]
    assert body["event"] == "failure" and body["status"] == "failed" and body["exit_code"] == 3
    assert "no input file matches data.path" in body["error"] and body["pipeline"] == "sine"
    assert body["run_id"] in rnnpipe("runs", "--root", str(tmp_path / "root")).stdout
    failing = python_hook("import sys; sys.exit(1)")
    result = rnnpipe("run", DEMO, "--root", str(tmp_path / "root"), "--data-dir", str(tmp_path / "data"), "--json",
                     "--set", setting("on_failure", failing))
    assert result.returncode == 3 and "notify.on_failure" in result.stderr and "exit 1" in result.stderr


def test_an_interrupted_run_tells_the_failure_hook(tmp_path):
    from pipeline.api import run_demo
    from pipeline.interrupts import Interrupted

    def interrupt(component: str) -> None:
        raise KeyboardInterrupt  # as Ctrl-C would, just as the first component starts

    with pytest.raises(Interrupted):
        run_demo(tmp_path / "root", sets=[setting("on_failure", saving_hook(tmp_path / "failure.json"))],
                 before_execution=interrupt)
    payload, event = saved(tmp_path / "failure.json")
    assert event == "failure"
    assert payload["status"] == "interrupted" and payload["component"] == "example_gen"
    assert payload["signal"] == "SIGINT" and payload["exit_code"] == 130


BAD_HOOKS = {
    "ftp URL": ("notify.on_failure=ftp://example.com/x",
                "notify.on_failure: 'ftp://example.com/x' is a ftp:// URL; a hook is an http:// or https:// URL"),
    "URL without host": ("notify.on_push=https:///hook", "notify.on_push: URL 'https:///hook' has no host"),
    "blank command": ("notify.on_success='  '", "notify.on_success: command '  ' is empty"),
    "unclosed quote": ("notify.on_not_blessed=\"mail -s 'x\"",
                       "notify.on_not_blessed: command \"mail -s 'x\" cannot be split into words: "
                       "No closing quotation"),
    "shell pipe": ("notify.on_failure=\"jq .error | mail ops\"",
                   "notify.on_failure: command 'jq .error | mail ops' uses the shell operator '|', but hooks run "
                   "without a shell"),
}


@pytest.mark.parametrize("setting, message", BAD_HOOKS.values(), ids=BAD_HOOKS.keys())
def test_a_bad_hook_value_exits_2_naming_its_key(setting, message, tmp_path, capsys):
    assert main(["run", DEMO, "--root", str(tmp_path / "root"), "--set", setting]) == 2
    assert f"rnnpipe: config error: {DEMO}: notify: {message}" in capsys.readouterr().err
    assert not (tmp_path / "root").exists()  # refused before anything is written


def test_quoted_operators_and_shell_commands_are_valid_hooks():
    check_hook("notify.on_failure", "grep '|' log.txt")
    check_hook("notify.on_failure", "sh -c 'jq -r .error | mail -s \"rnnpipe failed\" ops@example.com'")
    check_hook("notify.on_push", "https://hooks.example.com/T000/B000")


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_documented_cron_recipe_is_a_valid_notify_section_and_a_shell_line():
    text = (REPO / "docs/operations.md").read_text(encoding="utf-8")
    section = text.split("## Notifications and a cron recipe", 1)[1].split("\n## ", 1)[0]
    notify_yaml = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    settings = NotifySettings(**yaml.safe_load(notify_yaml)["notify"])  # checks every hook as the config does
    assert shlex.split(settings.on_failure)[0] == "mail" and settings.on_push.startswith("https://")
    crontab = section.split("```crontab\n", 1)[1].split("```", 1)[0].strip().splitlines()
    command = crontab[-1].split(None, 5)[5]  # after the five time fields
    assert "rnnpipe run" in command and "--json" in command
    assert subprocess.run(["sh", "-n", "-c", command], timeout=10).returncode == 0
