"""What `pinbot experiment create` says about the test it queued, in the owner's words: the designs
by the names people use ("Text forward · light palette · subject crop", `render.names.design_name`,
as the contact sheet labels them), never their ids, and lines that fit the terminal."""

from __future__ import annotations

import click

from pinbot.cli.context import AppContext
from pinbot.cli.tables import hanging
from pinbot.experiments.stored import ExperimentPlan
from pinbot.render.names import SEPARATOR, design_name
from pinbot.words import plural


def print_plan(app: AppContext, plan: ExperimentPlan) -> None:
    width = app.prose_width
    names = [f"“{design_name(d.id)}”" for d in plan.designs]
    designs = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    lines = [
        ("", f"Experiment “{plan.name}”: {plural(plan.pins_created, 'pin')} queued to compare {designs}."),
        (
            "pins: ",
            f"{plural(len(plan.product_ids), 'product')} on {plural(len(plan.boards), 'board')} in "
            f"{plural(plan.rounds, 'round')}, one every {plan.every_hours} h inside the posting windows, "
            f"{app.shop_day(plan.first_at)} to {app.shop_day(plan.last_at)}",
        ),
        (
            "plan: ",
            f"{plan.promise()}; a verdict {plan.horizon_days} days from now at the latest. Sized for "
            f"{plan.metric.replace('_', ' ')} {plan.baseline:.2%}, from {plan.baseline_source}",
        ),
    ]
    made = plan.round_looks
    if any(r.look for r in made) and plan.designs:
        # A round's look in words: the design name of its first arm, without the template.
        first = plan.designs[0].id
        looks = "; ".join(
            design_name(r.designs[first]).partition(SEPARATOR)[2].replace(SEPARATOR, " and ") for r in made if r.look
        )
        lines.append(("rounds: ", f"every design in the same palette and crop in each round ({looks})"))
    elif any(r.photo for r in made):
        lines.append(("rounds: ", f"each round shows the products' next photo ({len(made)} photos per product)"))
    lines += [("note: ", note) for note in plan.notes]
    for label, text in lines:
        click.echo(hanging(label, text, width))
