"""relance serve: migrate the database, then serve the web app.

Design: this is Django's threaded development server, run without auto-reload (and serving the
static files itself), which is enough for a small install used by a few people on one machine.
Production runs a WSGI server on `config.wsgi:application` (for example
`gunicorn config.wsgi --bind 127.0.0.1:8000`) behind a reverse proxy, with
DJANGO_SETTINGS_MODULE=config.settings.prod and `relance manage collectstatic`.
"""

from __future__ import annotations

import errno
import socket
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


def port_is_free(host: str, port: int) -> bool:
    """True when nothing listens on host:port (checked by binding it, never assumed)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in {errno.EADDRINUSE, errno.EACCES}:
                return False
            raise
    return True


def find_free_port(host: str, start: int, attempts: int = 50) -> int:
    """The first free port from `start` on."""
    for port in range(start, min(start + attempts, 65536)):
        if port_is_free(host, port):
            return port
    raise CommandError(f"no free port on {host} between {start} and {start + attempts - 1}")


def run_server(host: str, port: int) -> None:
    """Django's threaded server without auto-reload; it also serves the static files (admin CSS)."""
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    call_command(
        "runserver", address, use_reloader=False, use_ipv6=":" in host, insecure_serving=True, skip_checks=True
    )


class Command(BaseCommand):
    help = (
        "Migrate the database, then serve Relance with Django's built-in server (no auto-reload). "
        "For small installs; production runs a WSGI server on config.wsgi (e.g. gunicorn) behind a reverse proxy."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        if not port_is_free(host, port):
            raise CommandError(f"port {port} on {host} is in use; choose another with --port")
        call_command("migrate", interactive=False, verbosity=1)
        hosts = set(settings.ALLOWED_HOSTS)
        if host not in {"127.0.0.1", "localhost", "::1"} and "*" not in hosts:
            self.stdout.write(
                f"Note: only the host names in RELANCE_ALLOWED_HOSTS are accepted ({', '.join(sorted(hosts))}); "
                "add the name or address people will type in their browser."
            )
        self.stdout.write(f"Relance on http://{host}:{port}/ (Ctrl+C stops it)")
        run_server(host, port)
