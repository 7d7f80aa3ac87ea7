"""The report's appendix: how the results were made, and what each scenario is.

For each scenario: its own description (``scenarios.csv``, the experiment's
words), its changes from the baseline in words (``changes.csv``), its
platform and the assumptions the platform states, and its targets. Run
details (command, seed, times, versions) come from ``manifest.json``.
"""

from __future__ import annotations

import html

import pandas as pd

from sim.report.change_words import platform_features
from sim.report.comparison import describe_changes
from sim.report.load import Results


def _table(frame: pd.DataFrame, columns: list[str]) -> str:
    """A small HTML table of some columns of a frame."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(row[c]))}</td>" for c in columns) + "</tr>"
        for _, row in frame.iterrows()
    )
    return f"<table class='headline'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _text(value: object) -> str:
    """A manifest value as plain text (never a data structure's repr)."""
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k} {_text(v)}" for k, v in value.items())
    return "" if value is None else str(value)


def run_facts(results: Results) -> list[str]:
    """How the results were made, as HTML paragraphs' contents."""
    manifest = results.manifest
    facts = []
    if not manifest:
        facts.append("The results directory has no manifest.json: how it was run is not known.")
    experiment = manifest.get("experiment") or {}
    if experiment:
        facts.append(
            f"Experiment <b>{html.escape(_text(experiment.get('name')))}</b> from "
            f"<code>{html.escape(_text(experiment.get('source')))}</code>, base scenario "
            f"<code>{html.escape(_text(experiment.get('base')))}</code>, baseline "
            f"<b>{html.escape(_text(experiment.get('baseline')))}</b>."
            + (
                f" {html.escape(_text(experiment.get('description')))}"
                if experiment.get("description")
                else ""
            )
        )
    elif manifest.get("source"):
        overrides = manifest.get("overrides") or []
        facts.append(
            f"Scenario file <code>{html.escape(_text(manifest['source']))}</code>"
            + (f" with overrides <code>{html.escape(_text(overrides))}</code>" if overrides else "")
            + "."
        )
    if manifest:
        command = " ".join(_text(c) for c in manifest.get("command") or [])
        replications = manifest.get("replications")
        count = len(replications) if isinstance(replications, list) else "?"
        facts.append(
            f"Run from {html.escape(_text(manifest.get('started', '?')))} to "
            f"{html.escape(_text(manifest.get('finished', '?')))}; base seed "
            f"{html.escape(_text(manifest.get('seed', '?')))}; "
            f"{count} replications per scenario. Command: <code>{html.escape(command)}</code>"
        )
    versions = manifest.get("versions")
    if isinstance(versions, dict) and versions:
        facts.append(
            "Versions: " + html.escape(", ".join(f"{k} {v}" for k, v in versions.items())) + "."
        )
    facts.extend(f"Note: {html.escape(note)}." for note in results.notes)
    return facts


def platform_block(results: Results, scenario: str) -> str:
    """A scenario's platform: what it does, its description and its stated assumptions."""
    facts = results.scenario_facts(scenario)
    name = facts.get("platform")
    if not name:
        return ""
    settings = results.scenario_facts(scenario, "platform.")
    features = platform_features(settings)
    parts = [
        f"<p>Platform <b>{html.escape(name)}</b>: "
        + html.escape(settings.get("description", "") or "no description")
        + (
            " In the model: " + html.escape("; ".join(features)) + "."
            if features
            else " In the model: no change to handling or dispatch."
        )
        + "</p>"
    ]
    assumptions = results.scenario_facts(scenario, "assumption.")
    if assumptions:
        parts.append("<p>Its stated assumptions (values the sources do not give):</p><ul>")
        parts.extend(
            f"<li><code>{html.escape(path)}</code>: {html.escape(text)}</li>"
            for path, text in assumptions.items()
        )
        parts.append("</ul>")
    return "".join(parts)


def appendix(results: Results) -> str:
    """How the results were made, and each scenario's description, changes, platform, targets."""
    parts = ["<p>" + "</p><p>".join(run_facts(results)) + "</p>"]
    for scenario in results.scenarios:
        parts.append(f"<div class='scenario-appendix'><h3>{html.escape(scenario)}</h3>")
        description = results.scenario_facts(scenario).get("description", "")
        if description:
            parts.append(f"<p class='description'>{html.escape(description)}</p>")
        changes = results.scenario_changes(scenario)
        if len(changes):
            parts.append(
                "<p>Changed from the baseline: "
                + html.escape(describe_changes(results, scenario))
                + ".</p>"
            )
            parts.append(_table(changes, ["path", "before", "after"]))
        elif scenario == results.baseline:
            parts.append("<p>The baseline: every other scenario is compared with it.</p>")
        parts.append(platform_block(results, scenario))
        targets = results.scenario_targets(scenario)
        if len(targets):
            parts.append("<details open><summary>Targets judged against</summary>")
            parts.append(
                _table(
                    targets, ["metric", "segment", "stat", "direction", "target", "unit", "source"]
                )
            )
            parts.append("</details>")
        parts.append("</div>")
    return "\n".join(parts)


__all__ = ["appendix", "platform_block", "run_facts"]
