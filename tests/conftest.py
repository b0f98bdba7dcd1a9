"""Shared fixtures. The whole suite runs against SQLite by default, and against PostgreSQL when
PINBOT_TEST_DATABASE_URL is set (CI runs it both ways): each test gets its own fresh database
(a temporary SQLite file, or a fresh PostgreSQL schema)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses
from click.testing import CliRunner, Result
from sqlalchemy import Engine, create_engine, text

from pinbot.clock import FakeClock
from pinbot.config import SETTING_DOCS
from pinbot.store import db

REPO = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("PINBOT_TEST_DATABASE_URL", "")
# Pinterest's official OpenAPI description (5.23.0, MIT), kept in the repository so that a fresh
# clone runs the spec tests; provenance in tests/data/pinterest/README.md.
OPENAPI_YAML = REPO / "tests" / "data" / "pinterest" / "openapi.yaml"

# Every setting pinbot reads, blanked so a developer's own environment never leaks into tests.
_BLANK_ENV = {name: "" for name in SETTING_DOCS}


def _fast_temp_dir() -> None:
    # Every test's files (its SQLite database among them) live under tmp_path. pinbot's SQLite runs
    # with synchronous=FULL, an fsync per commit: on a disk that is most of a database test's time.
    # On Linux the temporary folders go to tmpfs (memory), where an fsync costs nothing; what the
    # tests check (the SQL, the locking, a SIGKILLed process's committed rows) is the same there,
    # and loss of power is nothing a test can check. A TMPDIR of the developer's own wins.
    # A container's /dev/shm may be a few MB (Docker's default is 64 MB): use it only with room to
    # spare for a whole run, else the disk's temporary folder, as before.
    shm = Path("/dev/shm")
    if sys.platform.startswith("linux") and "TMPDIR" not in os.environ and shm.is_dir() and os.access(shm, os.W_OK):
        if shutil.disk_usage(shm).free >= _SHM_NEEDED:
            tempfile.tempdir = str(shm)


_SHM_NEEDED = 1 << 30  # bytes; a full run's folders peak near 300 MB


_fast_temp_dir()


def _pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of its own for this test."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'pinbot.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield _pg_schema_url(schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated to the current schema, once a session: a test's `engine` starts from
    a copy of it (migrating takes 0.1-0.2 s, copying a millisecond). Never opened after this."""
    path = tmp_path_factory.mktemp("migrated") / "pinbot.db"
    eng = db.make_engine(f"sqlite:///{path}")
    db.migrate(eng)
    eng.dispose()  # the last connection closed checkpoints the log into the file
    assert not path.with_name("pinbot.db-wal").exists()
    return path


@pytest.fixture
def engine(db_url: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine on a fresh database migrated to the current schema."""
    if PG_URL:
        eng = db.make_engine(db_url)
        db.migrate(eng)
    else:
        # A byte copy of a file `db.migrate` made (with its 0600 mode): the same database.
        shutil.copy2(request.getfixturevalue("migrated_sqlite"), db_url.split("///", 1)[1])
        eng = db.make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def openapi_spec() -> dict[str, Any]:
    """Pinterest's OpenAPI description, parsed and checked to be a valid OpenAPI document once a
    session (about 4 s); tests/test_emulator_openapi.py and tests/test_openapi_requests.py share it.
    Never changed in place: a test that adjusts it works on a copy."""
    assert OPENAPI_YAML.exists(), f"the official Pinterest OpenAPI description is missing: {OPENAPI_YAML}"
    import yaml
    from openapi_spec_validator import validate

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with OPENAPI_YAML.open(encoding="utf-8") as fh:
        spec: dict[str, Any] = yaml.load(fh, Loader=loader)
    validate(spec)  # what openapi-core does each time it is handed a document
    return spec


def openapi_of(spec: dict[str, Any]) -> Any:
    """openapi-core's validator for `openapi_spec` (or a copy of it), without checking the document again."""
    from openapi_core import Config, OpenAPI

    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def shop_dir(tmp_path: Path) -> Path:
    """A working folder like a shop owner's, holding the demo's sample shop (its three boards and
    brand kit) with pinbot's bundled fonts and templates."""
    from pinbot.demo.shop import BOARDS, write_sample_brand

    shop = tmp_path / "shop"
    (shop / "boards").mkdir(parents=True)
    for key, board_text in BOARDS.items():
        (shop / "boards" / f"{key}.toml").write_text(board_text, encoding="utf-8")
    shutil.copytree(REPO / "assets", shop / "assets", ignore=shutil.ignore_patterns("*.example.toml"))
    write_sample_brand(shop / "assets")
    return shop


@pytest.fixture
def cli_env(shop_dir: Path, db_url: str) -> dict[str, str]:
    env = dict(_BLANK_ENV)
    env.update(
        {
            "PINBOT_DATABASE_URL": db_url,
            "PINBOT_DATA_DIR": str(shop_dir / ".pinbot"),
            "PINBOT_BOARDS_DIR": str(shop_dir / "boards"),
            "PINBOT_ASSETS_DIR": str(shop_dir / "assets"),
            "PINBOT_RULES_FILE": str(shop_dir / "pinbot.toml"),
            "PINTEREST_API_BASE": "http://127.0.0.1:9/v5",  # discard port: nothing ever answers
            "PINBOT_WORKER_ID": "test-worker",
        }
    )
    return env


class Cli:
    """Invoke `pinbot` in-process with an isolated environment and working directory."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        self.cwd = cwd

    def __call__(self, *args: str, input: str | None = None, **extra_env: str) -> Result:
        from pinbot.cli import main

        env = {**self.env, **extra_env}
        old = Path.cwd()
        os.chdir(self.cwd)
        try:
            return CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)
        finally:
            os.chdir(old)

    def ok(self, *args: str, **kwargs: Any) -> Result:
        result = self(*args, **kwargs)
        assert result.exit_code == 0, f"pinbot {' '.join(args)} -> {result.exit_code}\n{result.output}"
        return result


@pytest.fixture
def cli(cli_env: dict[str, str], shop_dir: Path) -> Cli:
    return Cli(cli_env, shop_dir)


@pytest.fixture
def initialised_cli(cli: Cli) -> Cli:
    cli.ok("init")
    return cli


def emulator_env(
    emu: Any, app_id: str = "emulator-app", secret: str = "emulator-secret", tier: str = ""
) -> dict[str, str]:
    """The settings that point the CLI at a running emulator, with freshly minted tokens (and
    `PINTEREST_ACCESS_TIER` when `tier` is given)."""
    tokens = emu.mint_tokens()
    env = {
        "PINTEREST_API_BASE": emu.base_url,
        "PINTEREST_APP_ID": app_id,
        "PINTEREST_APP_SECRET": secret,
        "PINTEREST_ACCESS_TOKEN": tokens["access_token"],
        "PINTEREST_REFRESH_TOKEN": tokens["refresh_token"],
    }
    return env | ({"PINTEREST_ACCESS_TIER": tier} if tier else {})


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    """Pinterest over HTTP, answered by registered responses: no request leaves the machine."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
