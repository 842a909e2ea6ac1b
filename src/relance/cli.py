"""The `relance` command: Relance's own commands first, every Django command behind `relance manage`.

relance --help              lists the commands
relance demo                demo database + web server
relance import invoices F   import a file
relance manage migrate      any Django management command
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Relance's commands, in the order --help lists them, with one line each.
COMMANDS: dict[str, str] = {
    "demo": "create a demo company with realistic data and start the web app on 127.0.0.1",
    "serve": "start the web app (migrates first)",
    "import": "import customers, contacts, invoices or payments from CSV or Excel",
    "statement": "print a customer's statement of account at a date",
    "aging": "print a company's aging buckets at a date",
    "createcompany": "create a company (legal entity)",
    "document": "write a PDF: a statement of account, a formal notice, or the day's letters merged",
    "rates": "list, add and check the reference rate tables of late-payment penalties",
    "snapshots": "take today's receivables snapshot (dashboard trend); --backfill computes past month-ends",
    "run": "the daily collection run: decide, record and send today's actions (--dry-run to preview)",
    "send-test": "send one e-mail of a template, with a customer's account, to your own address",
    "plan": "what the run will do to whom on which day over the next days, if nothing changes",
    "scenarios": "list collection scenarios, install the standard ones, copy one",
    "outbox": "send the queued e-mails (--loop to keep sending), show the outbox, queue one again",
    "worker": "run background tasks and each company's daily run at its local time",
    "manage": "run any Django management command (migrate, createsuperuser, shell...)",
}


def usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = [
        "usage: relance <command> [options]",
        "",
        "Relance: self-hosted cash collection for B2B companies.",
        "",
        "commands:",
        *(f"  {name.ljust(width)}  {text}" for name, text in COMMANDS.items()),
        "",
        "`relance <command> --help` describes a command's options.",
        "Settings come from environment variables (DATABASE_URL, RELANCE_SECRET_KEY...): see README.md.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(usage())
        return 0
    command, rest = args[0], args[1:]
    if command not in COMMANDS:
        print(f"relance: unknown command {command!r}\n", file=sys.stderr)
        print(usage(), file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    if command == "demo":
        # The demo lives in its own SQLite file so it never mixes with real data.
        import config

        var_dir = Path(os.environ.get("RELANCE_VAR_DIR") or Path(config.__file__).resolve().parent.parent / "var")
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{var_dir.resolve() / 'demo.sqlite3'}")
    from django.core.management import execute_from_command_line

    if command == "manage":
        execute_from_command_line(["relance manage", *rest])
    else:
        execute_from_command_line(["relance", command.replace("-", "_"), *rest])
    return 0


if __name__ == "__main__":
    sys.exit(main())
