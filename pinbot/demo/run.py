"""`pinbot demo`: the whole product on a sample shop, against the local Pinterest emulator.

Owns the demo's wiring and nothing else: a fresh folder with the sample shop (`demo_shop`), the
emulator in this process on a free 127.0.0.1 port, and then pinbot's real parts in the order an
owner would use them: OAuth through the emulator's consent page and the real token exchange,
`boards sync`, the queue with the rules planner and an experiment, the renderer, the real
`Daemon.tick` loop over N simulated days (the emulator and the daemon share one FakeClock, so the
daemon's sleeps move time and analytics grow day by day), the metrics sweep, the review and the
HTML report. Only this module knows the API is an emulator: it puts the emulator's base URL
into `Settings`, as a user would put it into `.env`.
"""

from __future__ import annotations

import random
import secrets
import socket
import threading
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import col, select

from pinbot.app import open_shop
from pinbot.clock import FakeClock
from pinbot.config import Settings, mask_url
from pinbot.daemon import Daemon, DaemonSettings
from pinbot.demo import shop
from pinbot.demo.result import TIMEZONE, DemoOptions, DemoResult, count_outcome, prepare_folder, write_env_file
from pinbot.emulator import Emulator
from pinbot.errors import PinbotError
from pinbot.experiments.plan import create_experiment
from pinbot.pinterest.client import PinterestClient
from pinbot.pinterest.oauth import local_login
from pinbot.pinterest.sync import apply_sync, linked_boards, remote_boards
from pinbot.posting.images import CachedRenderer
from pinbot.queue.service import PinRequest, QueueService
from pinbot.render import list_templates, load_template
from pinbot.report import build_report, write_html
from pinbot.shop.boards import plan_sync
from pinbot.store import db
from pinbot.store.models import Board, Pin, PinStatus, Product

APP_ID = "demo-app"
EXPERIMENT = "band-vs-text-card"
EXPERIMENT_TEMPLATES = ("photo-band", "text-forward")
EXPERIMENT_PRODUCTS = ("silver-hoops", "brass-leaf-studs", "stacking-rings", "moonstone-pendant")
EXPERIMENT_ROUNDS = 3
EXPERIMENT_LIFT = 1.0
MAX_STEP = 3600.0  # never let simulated time jump more than an hour between ticks

# (stage, done, total): stages are shop, connect, plan, render, simulate, report.
Progress = Callable[[str, int, int], None]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(opts: DemoOptions, api_base: str, app_secret: str) -> dict[str, str]:
    f = opts.folder
    return {
        "PINBOT_DATABASE_URL": opts.database_url or "",
        "PINBOT_DATA_DIR": str(f / "data"),
        "PINBOT_BOARDS_DIR": str(f / "boards"),
        "PINBOT_ASSETS_DIR": str(f / "assets"),
        "PINBOT_RULES_FILE": str(f / "pinbot.toml"),
        "PINBOT_TIMEZONE": TIMEZONE,
        "PINBOT_ACCOUNT": "demo",
        "PINBOT_WORKER_ID": "demo-worker",
        "PINBOT_LOG_LEVEL": "WARNING",
        "PINTEREST_API_BASE": api_base,
        "PINTEREST_APP_ID": APP_ID,
        "PINTEREST_APP_SECRET": app_secret,
        "PINTEREST_REDIRECT_URI": f"http://127.0.0.1:{free_port()}/callback",
        "PINTEREST_ACCESS_TIER": "standard",
    }


def authorize(settings: Settings, client: PinterestClient) -> None:
    """The real OAuth flow: consent page -> redirect to our one-shot listener -> code exchange.
    The "browser" is a plain HTTP client that follows the consent page's redirect."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 never via a proxy
    errors: list[BaseException] = []

    def browse(url: str) -> None:
        try:
            with opener.open(url, timeout=10) as response:
                response.read()
        except BaseException as exc:  # reported after the listener gives up
            errors.append(exc)

    threads: list[threading.Thread] = []

    def open_url(url: str) -> None:
        # The listener only answers inside `wait`, so the browser must run beside it.
        thread = threading.Thread(target=browse, args=(url,), daemon=True, name="demo-browser")
        thread.start()
        threads.append(thread)

    try:
        payload = local_login(settings, client.oauth, open_url, timeout=15)
    except PinbotError:
        if errors:
            raise PinbotError(f"demo: the consent page could not be followed: {errors[0]}") from None
        raise
    for thread in threads:
        thread.join(timeout=5)
    client.tokens.save_grant(payload)
    client.identify()


def add_products(engine: Engine, account_id: int, folder: Path) -> dict[str, int]:
    """The sample products as `Product` rows (the photos are files in the demo folder)."""
    ids: dict[str, int] = {}
    with db.session_scope(engine) as session:
        for p in shop.PRODUCTS:
            row = Product(
                account_id=account_id,
                source="demo",
                external_id=p.key,
                title=p.title,
                description=p.description,
                link=p.link,
                price_cents=p.price_cents,
                currency="USD" if p.price_cents else None,
                image_paths=[str(shop.photo_path(folder, p))],
                tags=list(p.tags),
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            ids[p.key] = row.id
    return ids


def design_id(assets: Path, template: str) -> str:
    """A template's default look as a renderer variant id: the regular pins name their design the
    way the experiment's pins do ("template.palette.crop"), so the review compares like with like."""
    return f"{template}.{load_template(assets, template).default_palette}.subject"


def plan_pins(queue: QueueService, folder: Path, assets: Path, product_ids: dict[str, int], days: int) -> None:
    """An experiment and the regular pins, sized to the simulated days.

    The experiment goes first (its pins have fixed times); the planner then fits the regular pins
    around them by the shop's rules. Products rotate through the templates, so the review can
    compare designs across the shop."""
    # Created as an owner would (`pinbot experiment create --variants photo-band,text-forward
    # --rounds 3 --lift 1.0`): each round draws both designs in one palette and crop of its own, so
    # no board sees the same image twice. Two pins of a product stay >= 48 h apart. A small shop's
    # month only has the impressions to find a big difference: the plan is sized for a +100% lift
    # (about 5,400 impressions a design), and the verdict says so.
    pins = len(EXPERIMENT_PRODUCTS) * len(EXPERIMENT_TEMPLATES) * EXPERIMENT_ROUNDS
    every = max(12, min(24, days * 24 // (pins + 1)))
    # The owner sets the test up at 18:00 on the first day, so its pins go out at 20:00, in the
    # evening window, rather than in the small hours after the demo's midnight start.
    evening = queue.clock.now().replace(hour=18, minute=0, second=0, microsecond=0)
    setup = QueueService(queue.engine, queue.account_id, queue.boards, FakeClock(evening), queue.planner)
    create_experiment(
        queue.engine,
        queue.account_id,
        setup,
        name=EXPERIMENT,
        hypothesis="Big type on a plain card earns more clicks to the shop than a photo with a headline band.",
        products=EXPERIMENT_PRODUCTS,
        variants=EXPERIMENT_TEMPLATES,
        assets_dir=assets,
        boards=("handmade-jewelry",),
        rounds=EXPERIMENT_ROUNDS,
        every_hours=every,
        lift=EXPERIMENT_LIFT,
    )
    regular = max(1, min(2, days // 12))
    queue.enqueue([req for r in range(regular) for req in _round(folder, assets, product_ids, r)])


def plan_next_round(queue: QueueService, folder: Path, assets: Path, product_ids: dict[str, int], round_no: int) -> int:
    """One more pin of every product, placed by the rules from now on: what is coming next."""
    before = sum(queue.counts().values())
    queue.enqueue(_round(folder, assets, product_ids, round_no))
    return sum(queue.counts().values()) - before


def _round(folder: Path, assets: Path, product_ids: dict[str, int], r: int) -> list[PinRequest]:
    templates = list_templates(assets)
    requests = []
    for i, p in enumerate(shop.PRODUCTS):
        # Each product its own rotation of designs; an experiment's products keep out of its designs.
        own = [t for t in templates if p.key not in EXPERIMENT_PRODUCTS or t not in EXPERIMENT_TEMPLATES]
        template = own[(i + r) % len(own)]
        requests.append(
            PinRequest(
                boards=p.boards,
                title=p.title,
                description=p.description,
                link=p.link,
                image=str(shop.photo_path(folder, p)),
                alt_text=f"{p.title}, photographed on a linen table",
                template=template,
                variant_key=design_id(assets, template),
                product_id=product_ids[p.key],
                source_key=f"demo:{p.key}:{r}",
            )
        )
    return requests


def prerender(
    engine: Engine, account_id: int, images: CachedRenderer, boards: dict[str, Any], workers: int, progress: Progress
) -> int:
    """Render every queued pin into the cache now, on all cores (the poster then gets cache hits)."""
    with db.session_scope(engine) as session:
        rows = session.exec(
            select(Pin, Board.key, Product)
            .join(Board, col(Board.id) == Pin.board_id)
            .outerjoin(Product, col(Product.id) == Pin.product_id)
            .where(Pin.account_id == account_id, Pin.status == PinStatus.queued)
        ).all()
        session.expunge_all()
    done = 0
    progress("render", 0, len(rows))
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for _ in pool.map(lambda row: images.image_for(row[0], boards.get(row[1]), row[2]), rows):
            done += 1
            progress("render", done, len(rows))
    return done


def simulate(daemon: Daemon, clock: FakeClock, end: datetime, progress: Progress) -> int:
    """Tick the real daemon until `end`; its sleeps advance the shared clock instead of waiting."""
    start, ticks, idle_zero = clock.now(), 0, 0
    total = int((end - start).total_seconds() // 3600)
    while clock.now() < end:
        idle = daemon.tick(clock.now())
        ticks += 1
        idle_zero = idle_zero + 1 if idle <= 0 else 0
        step = min(MAX_STEP, idle, (end - clock.now()).total_seconds())
        if idle_zero > 500:  # a job that keeps asking for "now": let time move on anyway
            step, idle_zero = max(step, 1.0), 0
        if step > 0:
            clock.advance(step)
        progress("simulate", min(total, int((clock.now() - start).total_seconds() // 3600)), total)
    return ticks


def run_demo(opts: DemoOptions, progress: Progress | None = None) -> DemoResult:
    """Build the sample shop in `opts.folder` and run it for `opts.days` simulated days; `progress`
    hears (stage, done, total) as it goes. Raises PinbotError (one line) on a refused folder."""
    if not 1 <= opts.days <= 365:
        raise PinbotError(f"demo: --days must be between 1 and 365, got {opts.days}")
    say: Progress = progress or (lambda stage, done, total: None)
    t0 = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        timings[name] = time.perf_counter() - t0 - sum(timings.values())

    folder = opts.folder.resolve()
    opts = replace(opts, folder=folder)
    prepare_folder(folder)
    say("shop", 0, len(shop.PRODUCTS))
    shop.write_shop_files(folder, opts.assets_source)
    with ThreadPoolExecutor(max_workers=max(1, opts.workers)) as pool:
        for n, _ in enumerate(pool.map(lambda i: shop.write_photo(folder, i), range(len(shop.PRODUCTS))), 1):
            say("shop", n, len(shop.PRODUCTS))
    env_file = write_env_file(opts)
    lap("shop")

    # Midnight UTC `days` ago: the simulated month ends today, so `pinbot report` (last 30 days by
    # default) shows the demo's period later on.
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    begin = opts.start or today - timedelta(days=opts.days)
    clock = FakeClock(begin)
    end = clock.now() + timedelta(days=opts.days)
    app_secret = secrets.token_urlsafe(24)
    emulator = Emulator(APP_ID, app_secret, tier="standard", clock=clock, seed=opts.seed)
    with emulator:
        settings = Settings.from_mapping(_env(opts, emulator.base_url, app_secret), base_dir=folder)
        result = DemoResult(
            folder,
            mask_url(settings.database_url),
            folder / "report.html",
            settings.data_dir / "renders",
            env_file,
            opts.days,
            begin,
            end,
        )
        engine = db.make_engine(settings.database_url)
        try:
            _run(opts, settings, engine, emulator, clock, result, say, lap)
        finally:
            engine.dispose()
    result.timings = timings
    return result


def _run(
    opts: DemoOptions,
    settings: Settings,
    engine: Engine,
    emulator: Emulator,
    clock: FakeClock,
    result: DemoResult,
    say: Progress,
    lap: Callable[[str], None],
) -> None:
    say("connect", 0, 3)
    db.migrate(engine)
    app = open_shop(settings, engine, clock, rng=random.Random(opts.seed))
    account_id, boards = app.account_id, app.boards
    client = app.client()
    authorize(settings, client)
    say("connect", 1, 3)
    plan = plan_sync(boards.values(), remote_boards(client), linked_boards(engine, account_id))
    steps = apply_sync(client, engine, account_id, boards, plan, now=clock.now())
    result.boards_created = sum(1 for s in steps if s.action == "create")
    say("connect", 3, 3)
    lap("connect")

    say("plan", 0, 1)
    queue = app.queue_service()
    product_ids = add_products(engine, account_id, opts.folder)
    plan_pins(queue, opts.folder, settings.assets_dir, product_ids, opts.days)
    result.pins_queued = sum(queue.counts().values())
    say("plan", 1, 1)
    lap("plan")

    images = app.renderer(result.renders_dir)
    result.renders = prerender(engine, account_id, images, boards, opts.workers, say)
    lap("render")

    # The real service and its jobs, built as `pinbot run` builds them. Only the housekeeping
    # cadences are stretched for a month in seconds (heartbeat, reconcile and idle poll every few
    # hours instead of every 30-60 s): nothing else enqueues meanwhile, and the post job still wakes
    # exactly when the next pin is due.
    hours = 3600
    stretched = DaemonSettings(
        idle_poll=6 * hours,
        heartbeat_every=6 * hours,
        reconcile_every=3 * hours,
        refresh_every=6 * hours,
        blocked_poll=hours,
    )
    daemon = app.daemon(
        client, images=images, daemon_settings=stretched, on_sweep=result.sweeps.append, check_links=False
    )
    result.ticks = simulate(daemon, clock, result.end, say)
    lap("simulate")

    say("report", 0, 2)
    result.sweeps.append(app.metrics_service(client).sweep())  # the last day's numbers
    count_outcome(engine, account_id, emulator, result)
    # The owner queues the next round, so the report's calendar shows the coming two weeks.
    coming = plan_next_round(queue, opts.folder, settings.assets_dir, product_ids, round_no=2)
    result.pins_queued += coming
    result.pins_waiting += coming
    say("report", 1, 2)
    until = (result.end - timedelta(days=1)).date()
    since = max(result.start.date(), until - timedelta(days=89))
    rep = build_report(
        engine,
        account_id,
        shop.SHOP_NAME,  # the report's heading: the shop, not the account key "demo"
        since,
        until,
        clock.now(),
        timezone=settings.timezone,
        known_designs=list_templates(settings.assets_dir),
        boards=boards,
        simulated=True,
        render=lambda pin, key, product: images.image_for(pin, boards.get(key), product)[1],
        thumbs_dir=result.renders_dir / "thumbs",
    )
    write_html(rep, result.report_path)
    result.report = rep
    say("report", 2, 2)
    lap("report")
