"""The engine's rules on worked examples (pure: no database).

Calendar: France, 2026. Useful dates: 2026-03-02 and 03-09 are Mondays; 2026-05-01 (Friday) is
Labour Day; 2026-05-08 (Friday) Victory Day.
"""

import datetime as dt

import pytest

from relance.collection.domain.calendar import BusinessCalendar
from relance.collection.domain.engine import decide
from relance.collection.domain.model import (
    BrokenPromise,
    Channel,
    CustomerFacts,
    Family,
    ItemFacts,
    Mode,
    ScenarioRules,
    StepRule,
    Trigger,
)

D = dt.date
FR = BusinessCalendar("FR")
PREVENTIVE, CALL_BEFORE, COURTEOUS, CALL_AFTER, FIRM, NOTICE, LITIGATION, BROKEN = range(1, 9)
STANDARD = ScenarioRules(
    id=1,
    name="Standard",
    steps=(
        StepRule(PREVENTIVE, "preventive e-mail", -10, Channel.EMAIL, template="preventive"),
        StepRule(CALL_BEFORE, "preventive call", -3, Channel.CALL, min_open_minor=5000_00),
        StepRule(COURTEOUS, "courteous reminder", 3, Channel.EMAIL, template="overdue_courteous"),
        StepRule(CALL_AFTER, "call", 10, Channel.CALL),
        StepRule(FIRM, "firm reminder with penalties", 20, Channel.EMAIL, template="overdue_firm"),
        StepRule(NOTICE, "formal notice", 35, Channel.LETTER, Mode.CONFIRM, template="formal_notice"),
        StepRule(LITIGATION, "hand over to litigation", 50, Channel.TASK, Mode.CONFIRM),
        StepRule(
            BROKEN, "immediate payment", 0, Channel.EMAIL, template="broken_promise", trigger=Trigger.BROKEN_PROMISE
        ),
    ),
)


def item(number="F-1", due=None, open_minor=1000_00, **kw):
    due = due or D(2026, 3, 16)
    ident = kw.pop("id", abs(hash(number)) % 10_000)
    return ItemFacts(id=ident, number=number, due_date=due, open_minor=open_minor, currency="EUR", **kw)


def customer(*items, **kw):
    return CustomerFacts(id=7, code="C7", items=tuple(items), **kw)


def run(cust, today, scenario=STANDARD):
    return decide(customer=cust, scenario=scenario, calendar=FR, today=today)


def summary(outcome):
    return [(d.family, d.step.id, sorted(d.item_steps)) for d in outcome.decisions]


@pytest.mark.parametrize(
    ("due", "today", "expected_step"),
    [
        (D(2026, 3, 16), D(2026, 3, 5), None),  # D-11: nothing yet
        (D(2026, 3, 16), D(2026, 3, 6), PREVENTIVE),  # D-10, a Friday
        (D(2026, 3, 18), D(2026, 3, 8), None),  # D-10 is a Sunday: no run on Sundays
        (D(2026, 3, 18), D(2026, 3, 9), PREVENTIVE),  # ...moved to Monday
        (D(2026, 3, 16), D(2026, 3, 19), COURTEOUS),  # D+3
        (D(2026, 3, 16), D(2026, 3, 26), CALL_AFTER),  # D+10
        (D(2026, 3, 16), D(2026, 4, 6), None),  # Easter Monday: a holiday
        (D(2026, 4, 28), D(2026, 5, 1), None),  # D+3 on Labour Day...
        (D(2026, 4, 28), D(2026, 5, 4), COURTEOUS),  # ...moved to Monday 4 May
    ],
)
def test_steps_fall_on_working_days(due, today, expected_step):
    outcome = run(customer(item(due=due)), today)
    steps = [d.step.id for d in outcome.decisions]
    assert steps == ([expected_step] if expected_step else [])


def test_after_downtime_only_the_latest_due_step_is_sent_once():
    # Due 2 March, nothing done, the system comes back on 23 March (D+21).
    outcome = run(customer(item(due=D(2026, 3, 2))), D(2026, 3, 23))
    assert summary(outcome) == [(Family.MESSAGE, FIRM, [(item(due=D(2026, 3, 2)).id, FIRM)])]
    assert outcome.decisions[0].reasons == ("F-1 reached step D+20 (firm reminder with penalties)",)
    # Next day, with D+20 recorded as done: nothing, and D-10/D+3/D+10 are never sent.
    done = item(due=D(2026, 3, 2), done_step_ids=frozenset({FIRM}))
    assert run(customer(done), D(2026, 3, 24)).decisions == []


def test_a_step_already_done_is_not_repeated():
    done = item(done_step_ids=frozenset({PREVENTIVE}))
    assert run(customer(done), D(2026, 3, 6)).decisions == []
    assert run(customer(done), D(2026, 3, 10)).decisions == []  # still D-6: nothing new


def test_items_at_different_steps_make_one_message_with_the_most_advanced_step():
    late = item("F-1043", due=D(2026, 3, 2), id=1)  # D+20 on 23 March
    soon = item("F-1050", due=D(2026, 4, 2), id=2)  # D-10 on 23 March
    outcome = run(customer(late, soon), D(2026, 3, 23))
    assert summary(outcome) == [(Family.MESSAGE, FIRM, [(1, FIRM), (2, PREVENTIVE)])]
    assert outcome.decisions[0].reasons == (
        "F-1043 reached step D+20 (firm reminder with penalties)",
        "F-1050 reached step D-10 (preventive e-mail)",
    )


def test_a_call_and_a_message_on_the_same_day_are_two_actions():
    called = item("F-1", due=D(2026, 3, 16), id=1)  # D+10 call on 26 March
    mailed = item("F-2", due=D(2026, 3, 23), id=2)  # D+3 e-mail on 26 March
    outcome = run(customer(called, mailed), D(2026, 3, 26))
    assert summary(outcome) == [
        (Family.MESSAGE, COURTEOUS, [(2, COURTEOUS)]),
        (Family.CALL, CALL_AFTER, [(1, CALL_AFTER)]),
    ]


def test_disputed_promised_and_paid_items_are_left_out_with_reasons():
    disputed = item("F-1", due=D(2026, 3, 2), id=1, disputed=True)
    promised = item("F-2", due=D(2026, 3, 2), id=2, promised_until=D(2026, 3, 30))
    paid = item("F-3", due=D(2026, 3, 2), id=3, open_minor=0)
    outcome = run(customer(disputed, promised, paid), D(2026, 3, 23))
    assert outcome.decisions == []
    assert outcome.notes == ["F-1 skipped: disputed", "F-2 skipped: payment promised, waiting until 2026-03-30"]
    # The day after the promise (and its grace) ran out, F-2 gets its latest step.
    after = run(customer(disputed, promised, paid), D(2026, 3, 31))
    assert summary(after) == [(Family.MESSAGE, FIRM, [(2, FIRM)])]


@pytest.mark.parametrize(
    ("status", "paused_until", "today", "acts"),
    [
        ("litigation", None, D(2026, 3, 23), False),
        ("paused", None, D(2026, 3, 23), False),
        ("paused", D(2026, 3, 23), D(2026, 3, 23), False),  # paused until the 23rd inclusive
        ("paused", D(2026, 3, 22), D(2026, 3, 23), True),
        ("active", None, D(2026, 3, 23), True),
    ],
)
def test_paused_and_litigation_customers_get_nothing(status, paused_until, today, acts):
    outcome = run(customer(item(due=D(2026, 3, 2)), status=status, paused_until=paused_until), today)
    assert bool(outcome.decisions) is acts


def test_an_ineligible_step_gives_way_to_the_one_before():
    # Preventive call at D-3 is for accounts of 5,000.00 or more; this one is 1,000.00.
    small = item(due=D(2026, 3, 16))
    outcome = run(customer(small), D(2026, 3, 13))
    assert summary(outcome) == [(Family.MESSAGE, PREVENTIVE, [(small.id, PREVENTIVE)])]
    assert "step D-3 needs an account of 5000.00 EUR, it is 1000.00 EUR" in outcome.notes[0]
    big = item(due=D(2026, 3, 16), open_minor=6000_00, done_step_ids=frozenset({PREVENTIVE}))
    assert summary(run(customer(big), D(2026, 3, 13))) == [(Family.CALL, CALL_BEFORE, [(big.id, CALL_BEFORE)])]


def test_tag_conditions():
    scenario = ScenarioRules(
        id=2,
        name="tagged",
        steps=(
            StepRule(1, "mail", 3, Channel.EMAIL),
            StepRule(2, "key account call", 5, Channel.CALL, tags=frozenset({"key account"})),
        ),
    )
    plain = run(customer(item(due=D(2026, 3, 16))), D(2026, 3, 23), scenario)
    assert [d.step.id for d in plain.decisions] == [1]
    tagged = run(customer(item(due=D(2026, 3, 16)), tags=frozenset({"key account"})), D(2026, 3, 23), scenario)
    assert [d.step.id for d in tagged.decisions] == [2]


def test_a_step_waits_for_days_since_the_last_contact():
    scenario = ScenarioRules(
        id=3, name="patient", steps=(StepRule(1, "mail", 3, Channel.EMAIL, min_days_since_contact=5),)
    )
    cust = customer(item(due=D(2026, 3, 16)), last_contact=D(2026, 3, 17))
    waiting = run(cust, D(2026, 3, 19), scenario)
    assert waiting.decisions == []
    assert waiting.notes == ["step D+3 waits: last contact 2 day(s) ago, 5 required"]
    assert [d.step.id for d in run(cust, D(2026, 3, 23), scenario).decisions] == [1]


def test_a_broken_promise_fires_the_immediate_payment_step_at_once_with_higher_priority():
    broken = item("F-9", due=D(2026, 3, 2), id=9, done_step_ids=frozenset({COURTEOUS, CALL_AFTER}))
    cust = customer(broken, broken_promises=(BrokenPromise(id=77, promised_date=D(2026, 3, 15), item_ids=(9,)),))
    outcome = run(cust, D(2026, 3, 18))
    assert summary(outcome) == [(Family.MESSAGE, BROKEN, [(9, BROKEN)])]
    assert outcome.decisions[0].promise_ids == (77,)
    assert outcome.decisions[0].reasons == ("F-9: promise broken, immediate payment requested",)
    plain = run(customer(item("F-9", due=D(2026, 3, 2), id=9)), D(2026, 3, 18))
    assert outcome.decisions[0].priority == 2 * 16 * 1000  # 1,000.00 EUR x 16 days, doubled
    assert plain.decisions[0].priority == 16 * 1000


def test_priority_is_amount_times_days_overdue():
    outcome = run(customer(item(due=D(2026, 3, 2), open_minor=2500_50)), D(2026, 3, 12))  # D+10 call
    assert outcome.decisions[0].priority == 2500 * 10 + 50 * 10 // 100


@pytest.mark.parametrize(
    ("item_kw", "customer_kw", "today", "expected"),
    [
        ({}, {}, D(2026, 3, 2), D(2026, 3, 6)),  # next step: D-10 on 6 March
        ({"done_step_ids": frozenset({PREVENTIVE})}, {}, D(2026, 3, 6), D(2026, 3, 13)),  # then the D-3 call
        ({"due": D(2026, 3, 18)}, {}, D(2026, 3, 2), D(2026, 3, 9)),  # D-10 on a Sunday -> Monday 9
        ({"done_step_ids": frozenset({LITIGATION})}, {}, D(2026, 6, 1), dt.date.max),  # scenario finished
        ({}, {}, D(2026, 6, 1), D(2026, 6, 2)),  # a due step still pending: look again tomorrow
        ({"disputed": True}, {}, D(2026, 3, 2), dt.date.max),  # until the dispute is resolved
        ({"promised_until": D(2026, 3, 20)}, {}, D(2026, 3, 2), D(2026, 3, 21)),
        ({"open_minor": 0}, {}, D(2026, 3, 2), dt.date.max),  # paid
        ({}, {"status": "paused", "paused_until": D(2026, 3, 10)}, D(2026, 3, 2), D(2026, 3, 11)),
        ({}, {"status": "litigation"}, D(2026, 3, 2), dt.date.max),
    ],
)
def test_next_review_date(item_kw, customer_kw, today, expected):
    from relance.collection.domain.engine import next_review

    it = item(**item_kw)
    cust = customer(it, **customer_kw)
    assert next_review(customer=cust, item=it, scenario=STANDARD, calendar=FR, today=today) == expected
