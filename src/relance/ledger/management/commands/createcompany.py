"""relance createcompany NAME: create a legal entity (checked like the admin form)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from relance.ledger.services import company_create


class Command(BaseCommand):
    help = "Create a company (a legal entity that is owed money)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--country", default="FR", help="ISO 3166 code (default FR)")
        parser.add_argument("--currency", default="EUR", help="ISO 4217 code (default EUR)")
        parser.add_argument("--timezone", default="Europe/Paris")
        parser.add_argument("--language", default="fr", choices=["en", "fr"])
        parser.add_argument("--vat-id", default="")
        parser.add_argument("--iban", default="")
        parser.add_argument("--bic", default="")

    def handle(self, *args: object, **options: object) -> None:
        from relance.core.audit import Actor

        try:
            company = company_create(
                actor=Actor.system("relance createcompany"), name=str(options["name"]), country=str(options["country"]),
                currency=str(options["currency"]), timezone=str(options["timezone"]),
                language=str(options["language"]), vat_id=str(options["vat_id"]), iban=str(options["iban"]),
                bic=str(options["bic"]),
            )  # fmt: skip
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        self.stdout.write(f"company {company.pk} created: {company.name}")
