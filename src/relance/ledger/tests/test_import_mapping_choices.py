"""A mapping may leave a field out ("" = not imported), is remembered that way, and the engine
reports rows done after each batch (the import page's progress)."""

import pytest

from relance.core.models import AuditEvent
from relance.ledger.imports.mapping import MappingError, detect_mapping, resolve_mapping
from relance.ledger.imports.service import import_file, import_mapping_save
from relance.ledger.models import ImportMapping
from tests.factories import CustomerFactory

HEADERS = ["Invoice number", "Customer", "Invoice date", "Due date", "Amount"]


def test_an_empty_column_leaves_a_field_out_even_when_a_header_matches():
    mapping, problems = detect_mapping("invoices", HEADERS, explicit={"due_date": ""})
    assert "due_date" not in mapping
    assert mapping["number"] == 0
    assert problems == []


def test_a_required_field_left_out_is_a_problem():
    mapping, problems = detect_mapping("invoices", HEADERS, explicit={"amount": ""})
    assert "amount" not in mapping
    assert problems[0].startswith("no column for required field(s) amount")
    with pytest.raises(MappingError):
        resolve_mapping("invoices", HEADERS, explicit={"amount": ""})


def test_a_saved_left_out_field_stays_out():
    mapping, _ = detect_mapping("invoices", HEADERS, saved={"due_date": ""})
    assert "due_date" not in mapping


def test_the_mapping_is_saved_with_an_audit_event_and_only_when_it_changes(company, actor):
    import_mapping_save(company=company, kind="invoices", columns={"number": "Ref", "due_date": ""}, actor=actor)
    import_mapping_save(company=company, kind="invoices", columns={"number": "Ref", "due_date": ""}, actor=actor)
    assert ImportMapping.objects.get(company=company, kind="invoices").columns == {"number": "Ref", "due_date": ""}
    assert AuditEvent.objects.filter(code="ledger.import.mapping_saved").count() == 1
    with pytest.raises(MappingError):
        import_mapping_save(company=company, kind="invoices", columns={"colour": "Red"}, actor=actor)


def test_the_engine_reports_rows_done_and_remembers_left_out_fields(company, actor, write_file):
    CustomerFactory(company=company, code="C-1")
    rows = "".join(f"F-{i},C-1,2026-01-05,2026-02-04,10.00\n" for i in range(4500))
    path = write_file("many.csv", ",".join(HEADERS) + "\n" + rows)
    seen: list[int] = []
    result = import_file(company=company, kind="invoices", path=path, actor=actor, columns={"due_date": ""},
                         on_rows=seen.append)  # fmt: skip
    assert result.counters.created == 4500
    assert seen == [2000, 4000, 4500]
    assert ImportMapping.objects.get(company=company, kind="invoices").columns["due_date"] == ""
