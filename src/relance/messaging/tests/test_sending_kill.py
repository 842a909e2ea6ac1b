"""The sending worker killed (SIGKILL) in the middle of 1,000 e-mails, then restarted: each arrives once.

`relance outbox send` runs as a subprocess on a temporary SQLite file (migrated with
`relance manage migrate`). The SMTP server kills it at a chosen moment, from inside its handler,
so the moment is exact:

- in RCPT TO of message N (the `claimed` window): the server never got message N, which is sent
  again after the restart; message N-1 had its 250 but its SENT commit rides with message N's
  `committing` commit, which never happened: it is kept as SENT unconfirmed, never resent;
- in DATA of message N, after the server stored it and before it answers 250 (the ambiguous
  window): message N is SENT unconfirmed and never resent.
"""

from __future__ import annotations

import collections
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from relance.messaging.tests.test_sending import SmtpServer

TOTAL = 1000
RELANCE = Path(sys.executable).with_name("relance")
ROOT = Path(__file__).resolve().parents[4]

SEED = f"""
from relance.ledger.models import Company, Customer
from relance.core.batch import insert_instances
from relance.messaging.models import OutboxMessage
company = Company.objects.create(name="Atelier Durand SAS")
customer = Customer.objects.create(company=company, code="C-1", name="Dupont")
messages = [
    OutboxMessage(
        company=company, customer=customer, reference=f"action:{{i}}",
        message_id=f"<kill-{{i:04d}}@durand.example>", from_email="Atelier Durand <factures@durand.example>",
        to=[f"ap{{i}}@dupont.example"], subject=f"Relevé {{i}}", text=f"Bonjour {{i}}\\n.\\nfin\\n",
        html=f"<p>Bonjour {{i}}</p>",
    )
    for i in range({TOTAL})
]
insert_instances(messages, key="uuid")
bodies = [m.body for m in messages]
for message, body in zip(messages, bodies):
    body.message_id = message.pk
insert_instances(bodies)
"""

pytestmark = pytest.mark.skipif(not RELANCE.exists(), reason="the relance command is not installed in this venv")


def environment(database: Path, tmp: Path, port: int = 25) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RELANCE_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DATABASE_URL=f"sqlite:///{database}",
        RELANCE_VAR_DIR=str(tmp / "var"),
        RELANCE_DEBUG="0",
        RELANCE_EMAIL_HOST="127.0.0.1",
        RELANCE_EMAIL_PORT=str(port),
        RELANCE_LOG_LEVEL="ERROR",
    )
    return env


def relance(*args: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(RELANCE), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"relance {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    """A migrated SQLite file with 1,000 queued e-mails, copied by each test."""
    tmp = tmp_path_factory.mktemp("outbox-kill")
    database = tmp / "seed.sqlite3"
    env = environment(database, tmp)
    relance("manage", "migrate", "--noinput", "-v", "0", env=env)
    relance("manage", "shell", "-c", SEED, env=env)
    return database


def rows(database: Path) -> list[tuple[str, str, int, str]]:
    with sqlite3.connect(database) as db:
        return db.execute(
            "SELECT message_id, status, unconfirmed, phase FROM messaging_outboxmessage ORDER BY message_id"
        ).fetchall()


def kill_and_restart(seeded: Path, tmp_path: Path, *, window: str, at: int) -> tuple[int, list, list]:
    database = tmp_path / "outbox.sqlite3"
    shutil.copy(seeded, database)
    with SmtpServer() as server:
        env = environment(database, tmp_path, server.port)
        worker: dict[str, subprocess.Popen[str]] = {}

        def kill(count: int, *_: object) -> None:
            if count == at and "first" in worker:
                os.kill(worker["first"].pid, signal.SIGKILL)

        if window == "rcpt":
            server.handler.on_rcpt = kill
        else:
            server.handler.on_data = kill
        worker["first"] = subprocess.Popen(
            [str(RELANCE), "outbox", "send"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        _, err = worker["first"].communicate(timeout=180)
        assert worker["first"].returncode == -signal.SIGKILL, f"the worker was not killed:\n{err}"
        before = len(server.received)
        assert 0 < before < TOTAL
        restarted = relance("outbox", "send", env=env)
        assert "recovered" in restarted.stdout
        received = list(server.received)
    return before, received, rows(database)


def assert_each_received_once(received, table) -> None:
    counts = collections.Counter(item.message_id for item in received)
    duplicates = {mid: n for mid, n in counts.items() if n > 1}
    assert duplicates == {}
    assert set(counts) == {f"<kill-{i:04d}@durand.example>" for i in range(TOTAL)}
    assert len(table) == TOTAL
    assert {(status, phase) for _, status, _, phase in table} == {("sent", "")}


def test_killed_in_rcpt_the_claimed_message_is_sent_again_after_restart(seeded, tmp_path):
    at = 437
    before, received, table = kill_and_restart(seeded, tmp_path, window="rcpt", at=at)
    assert before == at - 1  # message 437 never reached DATA
    assert_each_received_once(received, table)
    unconfirmed = [mid for mid, _, flag, _ in table if flag]
    # the message before it had its 250, but the worker died before recording it: kept as sent
    assert unconfirmed == [received[at - 2].message_id]
    assert received[at - 1].message_id == "<kill-0436@durand.example>"  # the first one sent after the restart


def test_killed_in_data_before_the_250_the_message_is_sent_unconfirmed_and_never_again(seeded, tmp_path):
    at = 437
    before, received, table = kill_and_restart(seeded, tmp_path, window="data", at=at)
    assert before == at  # the server has message 437; the worker died before reading its 250
    assert_each_received_once(received, table)
    unconfirmed = [mid for mid, _, flag, _ in table if flag]
    assert unconfirmed == [received[at - 1].message_id] == ["<kill-0436@durand.example>"]
    parsed = received[at - 1].message
    assert parsed.get_body(("plain",)).get_content().splitlines() == ["Bonjour 436", ".", "fin"]
