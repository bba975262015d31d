"""Render the transition table as documentation: a Mermaid ``stateDiagram-v2`` and the body of
``docs/workflow.md``. Pure: reads ``TRANSITIONS`` and the national mapping, returns text.

``docs/workflow.md`` is this module's output; a test keeps it current. Regenerate with
``.venv/bin/python -m motcua.dossiers.diagram > docs/workflow.md``.
"""

from __future__ import annotations

from collections import defaultdict

from motcua.accounts.roles import Role
from motcua.dossiers import workflow as wf
from motcua.dossiers.national import NATIONAL_STATUS, TERMINAL_FOR_766, NationalStatus
from motcua.dossiers.workflow import (
    CLOCK_STATE,
    START_STATUSES,
    TERMINAL,
    TRANSITIONS,
    Action,
    DossierStatus,
    Transition,
)


def _edges() -> dict[tuple[DossierStatus, DossierStatus], list[Action]]:
    """Edges of the graph in table order, the actions sharing an edge grouped together."""
    edges: dict[tuple[DossierStatus, DossierStatus], list[Action]] = defaultdict(list)
    for action, transition in TRANSITIONS.items():
        for source in DossierStatus:
            if source in transition.sources:
                edges[(source, transition.target_from(source))].append(action)
                if transition.stays_while_consultations_pending:  # not the last answer
                    edges[(source, source)].append(action)
    return edges


def mermaid_state_diagram() -> str:
    """The lifecycle as a Mermaid ``stateDiagram-v2``: one state per status (Vietnamese label),
    one edge per (source, target) pair labelled with the actions leading along it."""
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{status.label}" as {status.value}' for status in DossierStatus]
    lines += [f"    [*] --> {status.value}" for status in DossierStatus if status in START_STATUSES]
    for (source, target), actions in _edges().items():
        label = " / ".join(action.label for action in actions)
        lines.append(f"    {source.value} --> {target.value}: {label}")
    lines += [f"    {status.value} --> [*]" for status in DossierStatus if status in TERMINAL]
    return "\n".join(lines) + "\n"


def _who(transition: Transition) -> str:
    people = [role.label for role in Role if role in transition.roles]
    if transition.automatic:
        people.append(wf.SYSTEM_LABEL)
    return "; ".join(people)


def _statuses(statuses: frozenset[DossierStatus]) -> str:
    return ", ".join(f"`{status.value}`" for status in DossierStatus if status in statuses)


def _action_rows() -> list[str]:
    rows = [
        "| Action | From | To | Who | Clock | Once only | Reason required | Legal basis |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for action, t in TRANSITIONS.items():
        target = "(unchanged)" if t.target is None else f"`{t.target.value}`"
        if t.stays_while_consultations_pending:
            target += " (unchanged while other consultations are open)"
        rows.append(
            f"| `{action.value}` {action.label} | {_statuses(t.sources)} | {target} "
            f"| {_who(t)} | {t.clock.label} | {'yes' if t.once_per_dossier else ''} "
            f"| {'yes' if t.requires_reason else ''} | {t.legal_basis} |"
        )
    return rows


def _status_rows() -> list[str]:
    rows = [
        "| Status | Label | National code | Clock | Ends the dossier | Ends processing (766) |",
        "|---|---|---|---|---|---|",
    ]
    for status in DossierStatus:
        code = NATIONAL_STATUS[status]
        national = "— (not synced)" if code is None else f"{code.value} {code.label}"
        rows.append(
            f"| `{status.value}` | {status.label} | {national} | {CLOCK_STATE[status].value} "
            f"| {'yes' if status in TERMINAL else ''} "
            f"| {'yes' if code is not None and code in TERMINAL_FOR_766 else ''} |"
        )
    return rows


def _national_rows() -> list[str]:
    rows = ["| Code | National status | Internal statuses |", "|---|---|---|"]
    for code in NationalStatus:
        internal = frozenset(s for s, c in NATIONAL_STATUS.items() if c is code)
        rows.append(f"| {code.value} | {code.label} | {_statuses(internal)} |")
    return rows


def render_workflow_markdown() -> str:
    """The full text of ``docs/workflow.md``."""
    parts = [
        "# Dossier workflow (quy trình giải quyết hồ sơ)",
        "",
        "<!-- Generated from src/motcua/dossiers/workflow.py by "
        "motcua.dossiers.diagram.render_workflow_markdown(); do not edit by hand. Regenerate: "
        ".venv/bin/python -m motcua.dossiers.diagram > docs/workflow.md -->",
        "",
        "The lifecycle of a dossier is data: the transition table `TRANSITIONS` in",
        "`src/motcua/dossiers/workflow.py`. `plan_transition()` is the only gate to a status",
        "change; it refuses, with a Vietnamese reason, an action not allowed from the current",
        "status, by this actor, or by a rule of the decree (once only, 3 working days, 1 day",
        "before the due date, 15 days). Legal references are to Nghị định 118/2025/NĐ-CP",
        "(NĐ 118) unless stated; see `../shared/domain/rules.md` §1.6–1.8 and §8.1.",
        "",
        "## State diagram",
        "",
        "```mermaid",
        mermaid_state_diagram().rstrip("\n"),
        "```",
        "",
        "## Statuses",
        "",
        *_status_rows(),
        "",
        "## Actions",
        "",
        "Who: the roles of `motcua.accounts.roles.Role`; *Hệ thống* is the scheduler or an",
        "integration (national portal, payment gateway). *(unchanged)*: the status stays the same.",
        "",
        *_action_rows(),
        "",
        "## Time rules",
        "",
        "The caller computes durations with the working-day calendar and passes them to",
        "`plan_transition` in `DossierFacts`; the rules only compare.",
        "",
        "| Rule | Value | Legal basis | Enforced as |",
        "|---|---|---|---|",
        f"| Alert the receiving officer after an online submission | "
        f"{wf.ONLINE_ALERT_WITHIN_HOURS} hours | NĐ 118 Điều 17 khoản 2 | deadline (service) |",
        f"| Accept or request a supplement for an online dossier | "
        f"{wf.ONLINE_DECISION_WITHIN_WORKING_HOURS} working hours | NĐ 118 Điều 17 khoản 2 "
        "điểm c | deadline (service) |",
        f"| Supplement request after appraisal | ≤ "
        f"{wf.SUPPLEMENT_AFTER_APPRAISAL_MAX_WORKING_DAYS} working days after reception "
        "| NĐ 118 Điều 19 khoản 5 | refusal |",
        "| Time limit after a full supplement | restarts from zero | NĐ 118 Điều 19 khoản 5 "
        "| clock `restart` |",
        f"| Close an unsupplemented dossier | after {wf.CLOSE_UNSUPPLEMENTED_AFTER_DAYS} days "
        "| NĐ 118 Điều 19 khoản 5 | refusal before |",
        f"| Apology and extension request | ≥ {wf.EXTENSION_MIN_DAYS_BEFORE_DUE} day before "
        "the due date, once | NĐ 118 Điều 19 khoản 6 | refusal |",
        "| Supplement request | once at reception, once after appraisal | NĐ 118 Điều 16 "
        "khoản 3; Điều 17 khoản 2 điểm a; Điều 19 khoản 5 | refusal |",
        "| Stop or withdraw | before the decision | NĐ 118 Điều 21 | refusal |",
        f"| Correct an erroneous result | within {wf.CORRECTION_WITHIN_WORKING_DAYS} working "
        "days | NĐ 118 Điều 23 khoản 1 | deadline (clock `start`) |",
        "",
        "## National status codes",
        "",
        "The 10 codes synced to the Cổng Dịch vụ công quốc gia (rules.md §8.1); a draft is never",
        "synced. Codes 3, 7, 8, 9 and 10 end a dossier's processing for QĐ 766 indicator 2.1.",
        "",
        *_national_rows(),
        "",
    ]
    return "\n".join(parts)


if __name__ == "__main__":
    print(render_workflow_markdown(), end="")
