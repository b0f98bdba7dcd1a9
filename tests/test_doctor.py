"""`pinbot doctor`: every setting shown with secrets masked, each check with a fix when it fails."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

from pinbot.clock import utcnow
from pinbot.store import db
from pinbot.store import state as service_state
from tests.conftest import Cli


def checks(result_stdout: str) -> dict[str, dict[str, str]]:
    return {c["name"]: c for c in json.loads(result_stdout)["checks"]}


def test_before_init_the_database_check_says_run_init(cli: Cli) -> None:
    result = cli("doctor", "--json")
    assert result.exit_code == 1 and "database" in result.stderr
    found = checks(result.stdout)
    assert found["database"]["status"] == "fail" and "pinbot init" in found["database"]["fix"]
    assert found["token"]["status"] == "fail" and "auth login" in found["token"]["fix"]


def test_settings_are_listed_and_secrets_masked(initialised_cli: Cli) -> None:
    canaries = {
        "PINTEREST_APP_SECRET": "CANARY-doctor-secret",
        "PINTEREST_ACCESS_TOKEN": "pina_CANARY_doctor_tok",
        "PINTEREST_REFRESH_TOKEN": "pinr_CANARY_doctor_ref",
    }
    result = initialised_cli("doctor", **canaries)
    for value in canaries.values():
        assert value not in result.output
    as_json = initialised_cli("doctor", "--json", **canaries)
    settings = json.loads(as_json.stdout)["settings"]
    assert settings["PINTEREST_APP_SECRET"].startswith("set (")
    assert {"PINBOT_DATABASE_URL", "PINTEREST_API_BASE", "PINBOT_TIMEZONE", "PINBOT_BOARDS_DIR"} <= set(settings)
    found = checks(as_json.stdout)
    assert found["database"]["status"] == "ok" and found["boards"]["status"] == "ok"
    assert found["token"]["status"] == "warn"  # the env token will seed the store on first use
    assert found["api"]["status"] == "warn" and found["api"]["fix"]  # the discard port never answers


def test_broken_board_file_and_missing_assets_fail_with_a_fix(initialised_cli: Cli, shop_dir: Path) -> None:
    (shop_dir / "boards" / "bad.toml").write_text('name = "Bad"\nprivacy = "OPEN"\n')
    shutil.rmtree(shop_dir / "assets" / "templates")
    found = checks(initialised_cli("doctor", "--json").stdout)
    assert found["boards"]["status"] == "fail" and "bad.toml: privacy" in found["boards"]["detail"]
    assert found["assets"]["status"] == "fail" and "templates" in found["assets"]["detail"]


def test_service_heartbeat_and_pause_show(initialised_cli: Cli) -> None:
    assert checks(initialised_cli("doctor", "--json").stdout)["service"]["detail"] == "never ran for this account"
    engine = db.make_engine(initialised_cli.env["PINBOT_DATABASE_URL"])
    with db.session_scope(engine) as session:
        account_id = db.get_or_create_account(session, "default").id
    assert account_id is not None
    service_state.write_heartbeat(engine, account_id, utcnow() - timedelta(seconds=30), "host:42")
    service = checks(initialised_cli("doctor", "--json").stdout)["service"]
    assert service["status"] == "ok" and "host:42" in service["detail"]
    service_state.pause(engine, account_id, utcnow())
    service = checks(initialised_cli("doctor", "--json").stdout)["service"]
    assert service["status"] == "warn" and "paused" in service["detail"]
    service_state.write_heartbeat(engine, account_id, utcnow() - timedelta(hours=3), "host:42")
    service_state.resume(engine, account_id)
    service = checks(initialised_cli("doctor", "--json").stdout)["service"]
    assert service["status"] == "warn" and "still running" in service["fix"]
    engine.dispose()
