"""The import page: upload, the detected mapping, editing it, the check with row errors, the import
in the background with its progress, the result, the history; one company never sees another's."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from relance.core.models import AuditEvent
from relance.ledger.models import Customer, ImportMapping, ImportRun, Invoice
from relance.web.imports import services
from relance.web.imports.models import ImportUpload, UploadStatus
from tests.factories import CustomerFactory

URL = "/import/"
IBM = Path("ar_dataset") / "WA_Fn-UseC_-Accounts-Receivable.csv"

CUSTOMERS = "Code client;Raison sociale;Pays\nC-1;Dupont & Fils;FR\nC-2;Martin SARL;FR\n"
BAD_INVOICES = (
    "Invoice number,Customer,Invoice date,Due date,Amount\n"
    "F-1,C-1,2026-01-05,2026-02-04,1200.00\n"
    "F-2,C-1,2026-13-45,2026-02-10,300.00\n"
    "F-3,NOPE,2026-01-20,2026-02-19,99.90\n"
    "F-4,C-2,2026-01-22,2026-02-21,450.50\n"
)
GOOD_INVOICES = BAD_INVOICES.replace("2026-13-45", "2026-01-10").replace("NOPE", "C-2")


@pytest.fixture
def manager(client, company, member):
    client.force_login(member(company, role="credit_manager", username="claire"))
    return client


def upload(client, name: str, content: str | bytes, kind: str = "invoices"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(URL + "upload/", {"kind": kind, "file": SimpleUploadedFile(name, data)})


def last_upload() -> ImportUpload:
    return ImportUpload.objects.latest("id")


def page(response) -> str:
    return response.content.decode()


def configure(client, item: ImportUpload, action: str, **extra: str):
    data = {f"col_{name}": header for name, header in item.columns.items()}
    data.update(mode="delta", action=action, **extra)
    return client.post(f"{URL}{item.pk}/configure/", data)


def customers_of(company) -> None:
    CustomerFactory(company=company, code="C-1", name="Dupont & Fils")
    CustomerFactory(company=company, code="C-2", name="Martin SARL")


def test_an_upload_shows_the_detected_mapping_and_the_first_rows(manager, company):
    response = upload(manager, "invoices.csv", GOOD_INVOICES)
    item = last_upload()
    assert response.status_code == 302
    assert response["Location"] == f"{URL}{item.pk}/"
    assert item.rows_total == 4
    assert item.headers == ["Invoice number", "Customer", "Invoice date", "Due date", "Amount"]
    assert item.columns["number"] == "Invoice number"
    assert item.columns["customer_code"] == "Customer"
    assert item.columns["open_amount"] == ""
    assert Path(item.file.path).is_file()
    assert "private" in Path(item.file.path).parts
    html = page(manager.get(f"{URL}{item.pk}/"))
    assert '<option value="Invoice date" selected>Invoice date</option>' in html
    assert "<td>F-3</td><td>C-2</td>" in html  # the preview
    assert "Check the file" in html


def test_a_file_of_another_type_or_empty_is_refused_with_a_message(manager, company):
    response = upload(manager, "scan.pdf", b"%PDF-1.7")
    assert response.status_code == 400
    assert "files of type .pdf cannot be imported" in page(response)
    response = upload(manager, "empty.csv", "Invoice number,Customer\n")
    assert "the file has a header row but no data rows" in page(response)
    response = upload(manager, "broken.xlsx", b"not a spreadsheet")
    assert "not a readable spreadsheet" in page(response)
    assert not ImportUpload.objects.exists()


def test_an_unrecognised_header_is_mapped_by_hand_and_remembered_for_the_next_file(manager, company):
    customers_of(company)
    odd = "Ref,Client,Emis,Montant HT\nX-1,C-1,05/01/2026,100\n"
    upload(manager, "odd.csv", odd)
    item = last_upload()
    html = page(manager.get(f"{URL}{item.pk}/"))
    assert "no column for required field(s) number, issue_date" in html
    response = configure(manager, item, "save", col_number="Ref", col_issue_date="Emis", col_amount="Montant HT")
    assert response.status_code == 302
    saved = ImportMapping.objects.get(company=company, kind="invoices")
    assert saved.columns["number"] == "Ref"
    assert saved.columns["amount"] == "Montant HT"
    assert AuditEvent.objects.filter(code="ledger.import.mapping_saved", actor_label="claire").exists()
    upload(manager, "odd-again.csv", odd.replace("X-1", "X-2"))
    assert last_upload().columns["number"] == "Ref"  # proposed from the saved mapping


def test_a_field_can_be_left_out_even_when_a_header_matches_it(manager, company):
    customers_of(company)
    Customer.objects.filter(company=company).update(payment_terms_days=60)
    upload(manager, "invoices.csv", GOOD_INVOICES)
    item = last_upload()
    configure(manager, item, "apply", col_due_date="")
    invoice = Invoice.objects.get(company=company, number="F-1")
    assert invoice.due_date.isoformat() == "2026-03-06"  # issue date + the customer's 60 days, not the file's
    assert ImportMapping.objects.get(company=company, kind="invoices").columns["due_date"] == ""


def test_the_check_shows_each_row_error_and_changes_nothing_then_the_fixed_file_imports(manager, company):
    customers_of(company)
    upload(manager, "invoices.csv", BAD_INVOICES)
    item = last_upload()
    response = configure(manager, item, "check")
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == UploadStatus.CHECKED
    assert [(e["row"], e["column"]) for e in item.errors] == [(3, "Invoice date"), (4, "Customer")]
    html = page(manager.get(f"{URL}{item.pk}/"))
    assert "The check found 2 errors" in html
    assert '<td class="num">3</td><td>Invoice date</td><td>&#x27;2026-13-45&#x27; is not a valid date' in html
    assert "unknown customer code &#x27;NOPE&#x27;" in html
    rows = list(csv.reader(io.StringIO(manager.get(f"{URL}{item.pk}/errors.csv").content.decode("utf-8-sig"))))
    assert rows[0] == ["Row", "Column", "Reason"]
    assert rows[1][:2] == ["3", "Invoice date"]
    assert rows[2] == ["4", "Customer", "unknown customer code 'NOPE'"]
    assert not Invoice.objects.filter(company=company).exists()
    assert not ImportRun.objects.exists()  # a check is not an import

    upload(manager, "invoices-fixed.csv", GOOD_INVOICES)
    fixed = last_upload()
    configure(manager, fixed, "check")
    fixed.refresh_from_db()
    assert fixed.error_count == 0
    assert fixed.result["created"] == 4
    assert "The check found no error" in page(manager.get(f"{URL}{fixed.pk}/"))
    assert not Invoice.objects.exists()

    stored = Path(fixed.file.path)
    configure(manager, fixed, "apply")
    fixed.refresh_from_db()
    assert fixed.status == UploadStatus.APPLIED
    assert (fixed.result["created"], fixed.result["updated"], fixed.result["unchanged"]) == (4, 0, 0)
    assert sorted(Invoice.objects.filter(company=company).values_list("number", "amount")) == [
        ("F-1", 120000), ("F-2", 30000), ("F-3", 9990), ("F-4", 45050),
    ]  # fmt: skip
    run = ImportRun.objects.get(company=company)
    assert fixed.run_id == run.pk
    assert run.actor_label == "claire"
    assert not stored.exists()  # deleted once applied
    assert not fixed.file
    html = page(manager.get(f"{URL}{fixed.pk}/"))
    assert "Imported" in html
    assert "The uploaded file has been deleted." in html


def test_an_import_with_a_bad_row_applies_nothing(manager, company):
    customers_of(company)
    upload(manager, "invoices.csv", BAD_INVOICES)
    item = last_upload()
    configure(manager, item, "apply")
    item.refresh_from_db()
    assert item.status == UploadStatus.REJECTED
    assert item.error_count == 2
    assert not Invoice.objects.exists()
    assert ImportRun.objects.get().status == "rejected"
    assert Path(item.file.path).is_file()  # kept: the mapping may be changed and the file tried again
    assert "Rejected: nothing was imported" in page(manager.get(f"{URL}{item.pk}/"))


def test_the_valid_rows_import_when_asked(manager, company):
    customers_of(company)
    upload(manager, "invoices.csv", BAD_INVOICES)
    item = last_upload()
    configure(manager, item, "apply", apply_valid_rows="on")
    item.refresh_from_db()
    assert item.status == UploadStatus.APPLIED
    assert item.result["status"] == "partial"
    assert sorted(Invoice.objects.values_list("number", flat=True)) == ["F-1", "F-4"]


def test_customers_then_invoices_with_new_customers_created(manager, company):
    upload(manager, "clients.csv", CUSTOMERS, kind="customers")
    item = last_upload()
    assert item.columns["code"] == "Code client"
    configure(manager, item, "apply")
    assert sorted(Customer.objects.filter(company=company).values_list("code", flat=True)) == ["C-1", "C-2"]
    upload(manager, "invoices.csv", GOOD_INVOICES.replace("C-2", "C-9"))
    invoices = last_upload()
    configure(manager, invoices, "apply", create_customers="on")
    invoices.refresh_from_db()
    assert invoices.result["customers_created"] == 1
    assert Customer.objects.filter(company=company, code="C-9").exists()


def test_the_progress_fragment_counts_rows_and_reloads_the_page_when_done(manager, company):
    upload(manager, "invoices.csv", GOOD_INVOICES)
    item = last_upload()
    item.status = UploadStatus.APPLYING
    item.save()
    services._write_progress(item, 2)
    html = page(manager.get(f"{URL}{item.pk}/progress/", HTTP_HX_REQUEST="true"))
    assert "2 of 4 rows" in html
    assert f'hx-get="/import/{item.pk}/progress/"' in html
    assert "Importing" in html
    item.status = UploadStatus.CHECKED
    item.save()
    response = manager.get(f"{URL}{item.pk}/progress/", HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"
    assert "hx-get" not in page(response)


def test_the_engine_reports_its_progress_while_it_runs(manager, company):
    customers_of(company)
    seen: list[tuple[int, int]] = []
    original = services._write_progress

    def spy(upload_row, rows):
        original(upload_row, rows)
        seen.append(services.progress_of(upload_row))

    upload(manager, "invoices.csv", GOOD_INVOICES)
    item = last_upload()
    services._write_progress = spy  # type: ignore[assignment]
    try:
        configure(manager, item, "check")
    finally:
        services._write_progress = original  # type: ignore[assignment]
    assert seen[0] == (0, 4)
    assert (4, 4) in seen


def test_a_running_import_cannot_be_started_twice(manager, company):
    upload(manager, "invoices.csv", GOOD_INVOICES)
    item = last_upload()
    item.status = UploadStatus.APPLYING
    item.save()
    response = configure(manager, item, "apply")
    assert response.status_code == 302
    assert not ImportRun.objects.exists()
    assert "cannot be changed now" in page(manager.get(f"{URL}{item.pk}/"))


def test_a_discarded_upload_deletes_its_file(manager, company):
    upload(manager, "invoices.csv", GOOD_INVOICES)
    item = last_upload()
    path = Path(item.file.path)
    response = manager.post(f"{URL}{item.pk}/discard/")
    assert response.status_code == 302
    assert not path.exists()
    assert not ImportUpload.objects.exists()


def test_the_history_lists_past_imports_and_each_run_shows_its_errors(manager, company):
    customers_of(company)
    upload(manager, "bad.csv", BAD_INVOICES)
    configure(manager, last_upload(), "apply")
    upload(manager, "good.csv", GOOD_INVOICES)
    configure(manager, last_upload(), "apply")
    html = page(manager.get(URL))
    assert "bad.csv" in html
    assert "good.csv" in html
    assert "Rejected, nothing applied" in html
    rejected = ImportRun.objects.get(file_name="bad.csv")
    html = page(manager.get(f"{URL}runs/{rejected.pk}/"))
    assert "unknown customer code &#x27;NOPE&#x27;" in html
    assert "claire" in html
    body = manager.get(f"{URL}runs/{rejected.pk}/errors.csv").content.decode("utf-8-sig")
    assert "4,Customer,unknown customer code 'NOPE'" in body


@pytest.mark.parametrize("count", [5, 50])
def test_the_history_takes_a_fixed_number_of_queries(manager, company, count, django_assert_max_num_queries):
    from django.utils import timezone

    now = timezone.now()
    ImportRun.objects.bulk_create(
        ImportRun(company=company, kind="invoices", mode="delta", file_name=f"f{i}.csv", file_sha256="0" * 64,
                  status="applied", as_of=now.date(), started_at=now, finished_at=now, rows=i)
        for i in range(count)
    )  # fmt: skip
    for i in range(min(count, 15)):
        ImportUpload.objects.create(company=company, kind="invoices", original_name=f"u{i}.csv")
    with django_assert_max_num_queries(8):
        response = manager.get(URL)
    assert response.status_code == 200
    assert "f0.csv" in page(response) or count > 25


def test_another_companys_imports_are_not_found(manager, company, other_company, member):
    from django.utils import timezone

    now = timezone.now()
    run = ImportRun.objects.create(company=other_company, kind="invoices", mode="delta", file_name="secret.csv",
                                   file_sha256="", status="applied", as_of=now.date(), started_at=now,
                                   finished_at=now)  # fmt: skip
    theirs = ImportUpload.objects.create(company=other_company, kind="invoices", original_name="theirs.csv")
    assert manager.get(f"{URL}runs/{run.pk}/").status_code == 404
    assert manager.get(f"{URL}runs/{run.pk}/errors.csv").status_code == 404
    for path in ("", "progress/", "errors.csv"):
        assert manager.get(f"{URL}{theirs.pk}/{path}").status_code == 404, path
    assert manager.post(f"{URL}{theirs.pk}/configure/", {"action": "apply"}).status_code == 404
    assert manager.post(f"{URL}{theirs.pk}/discard/").status_code == 404
    assert "secret.csv" not in page(manager.get(URL))
    assert ImportUpload.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("role", ["collector", "read_only"])
def test_collectors_and_read_only_members_cannot_import(client, company, member, role):
    client.force_login(member(company, role=role))
    assert client.get(URL).status_code == 403
    item = ImportUpload.objects.create(company=company, kind="invoices", original_name="x.csv")
    posts = (URL + "upload/", f"{URL}{item.pk}/configure/", f"{URL}{item.pk}/discard/")
    for path in posts:
        assert client.post(path, {"kind": "invoices", "action": "apply"}).status_code == 403, path
    assert ImportUpload.objects.filter(pk=item.pk).exists()


def test_an_administrator_imports_too(client, company, member):
    client.force_login(member(company, role="administrator"))
    assert client.get(URL).status_code == 200


def test_a_spreadsheet_cannot_run_a_formula_from_an_error(manager, company):
    item = ImportUpload.objects.create(company=company, kind="invoices", original_name="x.csv",
                                       errors=[{"row": 2, "column": "=cmd()", "reason": "@SUM(A1)"}])  # fmt: skip
    body = manager.get(f"{URL}{item.pk}/errors.csv").content.decode("utf-8-sig")
    assert "'=cmd()" in body
    assert "'@SUM(A1)" in body


def test_the_ibm_sample_is_all_or_nothing_across_batches(manager, company, shared_data, tmp_path):
    """2,466 real invoices: a bad amount on the last row (after the first batch of 2,000 was
    written) leaves nothing behind; the file as published then imports whole."""
    original = (shared_data / IBM).read_text(encoding="utf-8")
    lines = original.splitlines()
    cells = lines[-1].split(",")
    cells[6] = "12,34.5x"
    broken = "\n".join([*lines[:-1], ",".join(cells)]) + "\n"
    upload(manager, "ar-broken.csv", broken)
    item = last_upload()
    assert item.rows_total == 2466
    configure(manager, item, "apply", create_customers="on")
    item.refresh_from_db()
    assert item.status == UploadStatus.REJECTED
    assert [e["row"] for e in item.errors] == [2467]
    assert not Invoice.objects.filter(company=company).exists()
    assert not Customer.objects.filter(company=company).exists()

    with (shared_data / IBM).open("rb") as handle:
        manager.post(URL + "upload/", {"kind": "invoices", "file": handle})
    good = last_upload()
    configure(manager, good, "apply", create_customers="on")
    good.refresh_from_db()
    assert good.status == UploadStatus.APPLIED
    assert good.result["created"] == 2466
    assert good.result["customers_created"] == 100
    assert Invoice.objects.filter(company=company).count() == 2466


def test_the_page_speaks_french(manager, company, settings):
    manager.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    upload(manager, "factures.csv", GOOD_INVOICES)
    html = page(manager.get(f"{URL}{last_upload().pk}/"))
    assert "Vérifier le fichier" in html
    assert "Date d&#x27;émission" in html
    assert "4 lignes" in html
