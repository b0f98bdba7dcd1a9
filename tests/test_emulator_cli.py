"""`pinbot emulator serve` as a real subprocess: reachable, steerable, stoppable, persistent."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from tests.conftest import Cli

PINBOT = [sys.executable, "-c", "import sys; from pinbot.cli import main; sys.exit(main())"]


@contextmanager
def serving(env: dict[str, str], *args: str) -> Iterator[dict[str, Any]]:
    proc = subprocess.Popen(
        [*PINBOT, "emulator", "serve", "--port", "0", "--json", *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line, f"emulator did not start: {proc.stderr.read() if proc.stderr else ''}"
        info = json.loads(line)
        info["proc"] = proc
        yield info
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()


def test_serve_says_which_app_id_and_secret_log_in(cli_env: dict[str, str]) -> None:
    """A new owner trying their shop against the emulator needs the app id and secret it accepts
    (`auth login` refuses without them); the banner named only PINTEREST_API_BASE. A real secret
    from the environment is never printed."""
    for secret, shown in (("", "PINTEREST_APP_SECRET=emulator-secret"), ("my-real-secret", "(yours, as set)")):
        env = {**os.environ, **cli_env, "PINTEREST_APP_ID": "", "PINTEREST_APP_SECRET": secret}
        proc = subprocess.Popen(
            [*PINBOT, "emulator", "serve", "--port", "0"], env=env, stdout=subprocess.PIPE, text=True
        )
        try:
            assert proc.stdout is not None
            banner = "".join(proc.stdout.readline() for _ in range(4))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
            if proc.stdout:
                proc.stdout.close()
        assert "PINTEREST_APP_ID=emulator-app" in banner and shown in banner, banner
        assert "my-real-secret" not in banner


def test_serve_answers_like_pinterest_and_stops_on_sigterm(cli_env: dict[str, str]) -> None:
    with serving(cli_env, "--tier", "standard", "--limit", "org_write=1", "--app-id", "77", "--seed", "3") as info:
        base, control = info["api_base"], info["control_url"]
        assert base.startswith("http://127.0.0.1:") and base.endswith("/v5")
        assert info["tier"] == "standard"
        tokens = requests.post(control + "tokens", json={}, timeout=5).json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        me = requests.get(base + "/user_account", headers=headers, timeout=5)
        assert me.status_code == 200 and me.headers["x-pinterest-rid"]
        assert requests.post(base + "/boards", json={"name": "Mugs"}, headers=headers, timeout=5).status_code == 201
        limited = requests.post(base + "/boards", json={"name": "Bowls"}, headers=headers, timeout=5)
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) <= 60
        fault = {"kind": "http_500", "path": "/user_account"}
        assert requests.post(control + "faults", json=fault, timeout=5).status_code == 201
        assert requests.get(base + "/user_account", headers=headers, timeout=5).status_code == 500
        state = requests.get(control + "state", timeout=5).json()
        assert state["boards"] == 1 and state["faults_fired"] == {"http_500": 1}
        proc = info["proc"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert "emulator stopped" in proc.stderr.read()


def test_serve_keeps_state_in_a_file_across_restarts(cli_env: dict[str, str], tmp_path: Path) -> None:
    state = tmp_path / "emulator.json"
    with serving(cli_env, "--state", str(state)) as info:
        tokens = requests.post(info["control_url"] + "tokens", json={}, timeout=5).json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        board = requests.post(info["api_base"] + "/boards", json={"name": "Mugs"}, headers=headers, timeout=5).json()
    with serving(cli_env, "--state", str(state)) as info:
        again = requests.get(info["api_base"] + f"/boards/{board['id']}", headers=headers, timeout=5)
        assert again.status_code == 200 and again.json()["name"] == "Mugs"


def test_serve_rejects_bad_options_in_one_line(cli: Cli, tmp_path: Path) -> None:
    bad_chaos = cli("emulator", "serve", "--chaos", "meteor=0.5")
    assert bad_chaos.exit_code == 2 and "--chaos" in bad_chaos.output
    bad_limit = cli("emulator", "serve", "--limit", "org_write=many")
    assert bad_limit.exit_code == 2 and "many" in bad_limit.output
    broken = tmp_path / "broken.json"
    broken.write_text("[]")
    bad_state = cli("emulator", "serve", "--state", str(broken))
    assert bad_state.exit_code != 0 and "broken.json" in bad_state.output and "Traceback" not in bad_state.output


def test_serve_reports_a_busy_port(cli: Cli) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("emulator", "serve", "--port", str(port))
    assert result.exit_code != 0 and f"127.0.0.1:{port}" in result.output and "Traceback" not in result.output
