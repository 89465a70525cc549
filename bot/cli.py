"""`prescreen` command line: check trial files, evaluate fact sets, export screenings."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.criteria import CriteriaError, get_trial, load_trial
from bot.criteria.registry import DEFAULT_TRIAL_ID, trial_files
from bot.engine import FactError, assess, validate_facts
from bot.settings import load_settings

TRIAL_HELP = f"trial id (default: $PRESCREEN_TRIAL, else {DEFAULT_TRIAL_ID})"


def _trial_id(args: argparse.Namespace) -> str:
    """`--trial ID` when given, else the configured trial (PRESCREEN_TRIAL, as the servers)."""
    given: str | None = args.trial
    return given if given else load_settings().trial_id


def _check_criteria(args: argparse.Namespace) -> int:
    paths = [Path(args.file)] if args.file else trial_files()
    status = 0
    for path in paths:
        try:
            trial = load_trial(path)
        except CriteriaError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
            continue
        print(
            f"ok: {path}: {trial.id} v{trial.version}: {len(trial.facts)} facts, "
            f"{len(trial.inclusions)} inclusion and {len(trial.exclusions)} exclusion criteria"
        )
    return status


def _evaluate(args: argparse.Namespace) -> int:
    try:
        trial = get_trial(_trial_id(args))
        raw: Any = json.loads(Path(args.facts).read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise FactError(f"{args.facts}: expected a JSON object of fact key → value")
        facts = validate_facts(trial, raw)
    except (CriteriaError, FactError, OSError, json.JSONDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(assess(trial, facts).as_dict(), indent=2, ensure_ascii=False))
    return 0


def _domain(args: argparse.Namespace) -> int:
    from bot import rasa_domain

    path = rasa_domain.DOMAIN_PATH
    try:
        trial = get_trial(_trial_id(args))
    except CriteriaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.write:
        changed = rasa_domain.write_domain(trial, path)
        print(f"{path}: {'updated' if changed else 'already up to date'} for trial {trial.id}")
        return 0
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if current != rasa_domain.render_domain(trial):
        print(
            f"{path} is out of date for trial {trial.id}: run `prescreen domain --write`",
            file=sys.stderr,
        )
        return 1
    print(f"{path}: up to date with trial {trial.id}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from bot.store import audit, exports, review
    from bot.store.common import ScreeningNotFound
    from bot.store.db import session_scope

    trial = get_trial(_trial_id(args))
    with session_scope() as session:
        if args.conversation:
            try:
                data: Any = exports.export_screening(session, args.conversation, trial)
            except ScreeningNotFound as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
            rows = [
                r
                for r in review.list_screenings(session, search=args.conversation)
                if r["conversation_id"] == args.conversation
            ][:1]
        else:
            data = exports.export_all(session, trial)
            rows = review.list_screenings(session, limit=None)
        if args.format == "csv":
            data = exports.screening_log(session, trial, rows)
        audit.add_audit(
            session,
            "cli",
            "export",
            conversation_id=args.conversation,
            detail=f"{args.format}, {len(rows)} screening(s)",
        )
    if args.format == "csv":
        sys.stdout.write(data)
    else:
        print(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    return 0


def _understand(args: argparse.Namespace) -> int:
    """What the parser reads from one message: JSON list of fact, value, span, words, trust."""
    from bot.answers import extract_facts
    from bot.answers.clauses import cues

    try:
        trial = get_trial(_trial_id(args))
    except CriteriaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.lang not in trial.languages or cues(args.lang) is None:
        print(
            f"note: no {args.lang} wording or parser resources yet; nothing read", file=sys.stderr
        )
        print("[]")
        return 0
    view = trial.in_language(args.lang)
    if args.pending is not None and args.pending not in view.facts:
        print(f"error: unknown fact {args.pending!r} for trial {trial.id}", file=sys.stderr)
        return 2
    found = extract_facts(args.text, view, pending=args.pending)
    print(json.dumps([c.as_dict(args.text) for c in found], indent=2, ensure_ascii=False))
    return 0


def _purge(args: argparse.Namespace) -> int:
    from bot.store import retention
    from bot.store.db import session_scope

    with session_scope() as session:
        removed = retention.purge_older_than(session, args.older_than, "cli")
    print(f"purged {removed} row(s) older than {args.older_than} days")
    return 0


def _create_user(args: argparse.Namespace) -> int:
    from bot.store.db import migrate
    from bot.web.staff.auth import create_user

    prompt = sys.stdin.isatty()
    if prompt:
        import getpass

        password = getpass.getpass("Password (12 characters or more): ")
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        migrate()
        create_user(args.username, password, args.role)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"created {args.role} {args.username!r}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every `prescreen` sub-command."""
    parser = argparse.ArgumentParser(prog="prescreen", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check-criteria", help="validate trial files (all by default)")
    check.add_argument("file", nargs="?", help="a trial YAML file")
    check.set_defaults(handler=_check_criteria)

    evaluate = commands.add_parser("evaluate", help="evaluate a JSON object of facts")
    evaluate.add_argument(
        "--facts", required=True, help="JSON file: absent = not asked, null = unknown"
    )
    evaluate.add_argument("--trial", metavar="ID", help=TRIAL_HELP)
    evaluate.set_defaults(handler=_evaluate)

    domain = commands.add_parser("domain", help="check (default) or --write domain.yml")
    domain.add_argument("--write", action="store_true", help="regenerate domain.yml")
    domain.add_argument("--trial", metavar="ID", help=TRIAL_HELP)
    domain.set_defaults(handler=_domain)

    export = commands.add_parser("export", help="print screenings as JSON or CSV")
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("--conversation", help="one conversation id")
    which.add_argument("--all", action="store_true", help="every screening")
    export.add_argument("--format", choices=("json", "csv"), default="json")
    export.add_argument("--trial", metavar="ID", help=TRIAL_HELP)
    export.set_defaults(handler=_export)

    understand = commands.add_parser(
        "understand", help="print, as JSON, the facts the parser reads from one message"
    )
    understand.add_argument("text", help="the patient's message")
    understand.add_argument("--lang", choices=("en", "zh"), default="en", help="its language")
    understand.add_argument("--pending", metavar="FACT", help="the fact key just asked")
    understand.add_argument("--trial", metavar="ID", help=TRIAL_HELP)
    understand.set_defaults(handler=_understand)

    purge = commands.add_parser("purge", help="delete answers, transcripts and contacts")
    purge.add_argument("--older-than", type=int, required=True, metavar="DAYS")
    purge.set_defaults(handler=_purge)

    user = commands.add_parser("create-user", help="create a staff user (password from stdin)")
    user.add_argument("username")
    user.add_argument("--role", choices=("coordinator", "investigator", "admin"), required=True)
    user.set_defaults(handler=_create_user)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `prescreen` console script."""
    args = build_parser().parse_args(argv)
    handler = args.handler
    return int(handler(args))


if __name__ == "__main__":
    sys.exit(main())
