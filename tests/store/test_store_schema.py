"""Schema, migrations, engines and configuration of `bot.store`."""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.store import config as store_config
from bot.store.db import alembic_config, dispose_engines, get_engine, migrate, session_scope
from bot.store.models import Screening, metadata

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

EXPECTED_TABLES = {
    "screening",
    "answer",
    "criterion_result",
    "follow_up_flag",
    "contact",
    "audit_event",
    "staff_user",
}


def _diff(url: str) -> list[object]:
    with get_engine(url).connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_name": lambda name, type_, parents: (
                    type_ != "table" or name in metadata.tables
                ),
            },
        )
        return list(compare_metadata(context, metadata))


def test_migrated_schema_matches_models(db_url: str) -> None:
    assert _diff(db_url) == []
    tables = set(sa.inspect(get_engine(db_url)).get_table_names())
    assert EXPECTED_TABLES | {"alembic_version"} == tables


def test_rasa_events_table_is_ignored_by_autogenerate(
    db_url: str, rasa_events_table: sa.Table
) -> None:
    rasa_events_table.metadata.create_all(get_engine(db_url))
    assert _diff(db_url) == []


def test_check_constraints_exist_and_bite(db_url: str) -> None:
    inspector = sa.inspect(get_engine(db_url))
    names = {c["name"] for table in EXPECTED_TABLES for c in inspector.get_check_constraints(table)}
    assert {
        "ck_screening_outcome",
        "ck_screening_respondent",
        "ck_answer_source",
        "ck_answer_entered_by",
        "ck_criterion_result_status",
        "ck_criterion_result_kind",
        "ck_follow_up_flag_kind",
        "ck_follow_up_flag_status",
        "ck_follow_up_flag_resolved_at",
        "ck_staff_user_role",
    } <= names
    bad = "INSERT INTO screening (conversation_id, trial_id, criteria_version, started_at, outcome)"
    with pytest.raises(sa.exc.IntegrityError), get_engine(db_url).begin() as conn:
        conn.exec_driver_sql(bad + " VALUES ('c', 't', 'v', '2025-01-01 00:00:00', 'maybe')")


def test_default_outcome_is_incomplete_in_sql(db_url: str) -> None:
    with get_engine(db_url).begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO screening (conversation_id, trial_id, criteria_version, started_at)"
            " VALUES ('c', 't', 'v', '2025-01-01 00:00:00')"
        )
    with session_scope(db_url) as session:
        assert session.execute(sa.select(Screening.outcome)).scalar_one() == "incomplete"


def test_downgrade_to_base_and_back(db_url: str) -> None:
    config = alembic_config(db_url)
    with get_engine(db_url).begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert set(sa.inspect(get_engine(db_url)).get_table_names()) <= {"alembic_version"}
    migrate(db_url)
    assert _diff(db_url) == []


def test_migrate_is_idempotent_and_cwd_independent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    url = f"sqlite:///{tmp_path / 'x.db'}"
    migrate(url)
    migrate(url)
    assert _diff(url) == []
    dispose_engines()


def test_concurrent_migrate_on_one_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def run() -> None:
        try:
            barrier.wait()
            migrate(url)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _diff(url) == []
    dispose_engines()


def test_sqlite_connection_settings(sqlite_url: str) -> None:
    with get_engine(sqlite_url).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_foreign_keys_enforced(db_url: str) -> None:
    with pytest.raises(sa.exc.IntegrityError), get_engine(db_url).begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO answer (screening_id, fact, value_json, source, at)"
            " VALUES (999, 'age_years', '1', 'patient', '2025-01-01 00:00:00')"
        )


def test_engine_cached_per_url(tmp_path: Path) -> None:
    first = get_engine(f"sqlite:///{tmp_path / 'a.db'}")
    assert get_engine(f"sqlite:///{tmp_path / 'a.db'}") is first
    assert get_engine(f"sqlite:///{tmp_path / 'b.db'}") is not first
    dispose_engines()
    assert get_engine(f"sqlite:///{tmp_path / 'a.db'}") is not first
    dispose_engines()


def test_session_scope_commits_and_rolls_back(sqlite_url: str) -> None:
    with session_scope(sqlite_url) as session:
        session.add(Screening(conversation_id="kept", trial_id="T", criteria_version="1"))
    with pytest.raises(RuntimeError), session_scope(sqlite_url) as session:
        session.add(Screening(conversation_id="lost", trial_id="T", criteria_version="1"))
        session.flush()
        raise RuntimeError("boom")
    with session_scope(sqlite_url) as session:
        ids = session.execute(sa.select(Screening.conversation_id)).scalars().all()
    assert ids == ["kept"]


def test_nothing_connects_at_import() -> None:
    code = (
        "import bot.store.screenings, bot.store.review, bot.store.transcripts\n"
        "import bot.store.retention, bot.store.exports, bot.store.accounts, bot.store.audit\n"
        "import bot.store, bot.store.models, bot.store.db as db\n"
        "print(db._engine_for.cache_info().currsize)\n"
    )
    env = {**os.environ, "DATABASE_URL": "postgresql+psycopg2://nobody@/nowhere?host=/nonexistent"}
    done = subprocess.run(
        [PYTHON, "-c", code], capture_output=True, text=True, env=env, cwd=REPO, check=True
    )
    assert done.stdout.strip() == "0"


def test_database_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    assert store_config.database_url() == "postgresql://u@h/db"
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    assert store_config.database_url() == "postgresql://u@h/db"
    monkeypatch.delenv("DATABASE_URL")
    assert store_config.REPO_ROOT == REPO
    assert store_config.DEFAULT_SQLITE_PATH == REPO / "var" / "prescreen.db"
    monkeypatch.setattr(store_config, "VAR_DIR", tmp_path / "var")
    monkeypatch.setattr(store_config, "DEFAULT_SQLITE_PATH", tmp_path / "var" / "prescreen.db")
    assert store_config.database_url() == f"sqlite:///{tmp_path / 'var' / 'prescreen.db'}"
    assert (tmp_path / "var").is_dir()


def test_alembic_ini_cli_upgrade_and_check(tmp_path: Path) -> None:
    """Developers' `alembic` command: repo alembic.ini, URL from DATABASE_URL, any cwd."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    alembic = [PYTHON, "-m", "alembic", "-c", str(REPO / "alembic.ini")]
    for args in (["upgrade", "head"], ["check"]):
        done = subprocess.run(
            [*alembic, *args], capture_output=True, text=True, env=env, cwd=tmp_path
        )
        assert done.returncode == 0, done.stderr


def _rasa_source() -> str:
    spec = importlib.util.find_spec("rasa")
    if spec is None or spec.origin is None:
        pytest.skip("rasa is not installed")
    return (Path(spec.origin).parent / "core" / "tracker_store.py").read_text(encoding="utf-8")


def _rasa_sql_event_columns() -> list[tuple[str, str, bool]]:
    """(name, type, nullable) of Rasa's SQLTrackerStore.SQLEvent, read from its source.

    Parsed rather than imported: importing rasa.core.tracker_store takes seconds.
    """
    tree = ast.parse(_rasa_source())
    sql_event = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and node.name == "SQLEvent"
    )
    columns = []
    for statement in sql_event.body:
        if not (isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call)):
            continue
        call = statement.value
        if ast.unparse(call.func) != "sa.Column":
            continue
        name = ast.unparse(statement.targets[0])
        type_ = ast.unparse(call.args[0]).removeprefix("sa.")
        keywords = {k.arg: ast.unparse(k.value) for k in call.keywords}
        nullable = keywords.get("nullable", "True") == "True" and "primary_key" not in keywords
        columns.append((name, type_, nullable))
    return columns


def _rasa_indexed_columns() -> list[str]:
    source = _rasa_source()
    return re.findall(r"^\s+(\w+) = sa\.Column\([^\n]*index=True", source, flags=re.M)


def test_test_events_table_matches_rasa(rasa_events_table: sa.Table) -> None:
    """The tests' `events` table is Rasa 3.6 SQLTrackerStore's, column for column."""
    ours = [
        (c.name, repr(c.type).replace("()", "").replace("length=", ""), bool(c.nullable))
        for c in rasa_events_table.columns
    ]
    assert ours == _rasa_sql_event_columns()
    indexed = [col.name for index in rasa_events_table.indexes for col in index.columns]
    assert indexed == _rasa_indexed_columns() == ["sender_id"]
