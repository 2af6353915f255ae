"""The exception hierarchy: one base, one class per family, .code/.details everywhere."""

from __future__ import annotations

import pickle

import pytest

import festival_core as fc

FAMILIES = [fc.InputError, fc.MoneyError, fc.WalletError, fc.TicketingError, fc.AccessError, fc.OfflineError]


def test_hierarchy() -> None:
    assert issubclass(fc.FestivalError, Exception)
    for cls in FAMILIES:
        assert issubclass(cls, fc.FestivalError)
        assert cls is not fc.FestivalError
    assert len(set(FAMILIES)) == 6
    assert issubclass(fc.InputError, ValueError)


def test_core_errors_carry_code_details_message() -> None:
    with pytest.raises(fc.MoneyError) as ei:
        fc.Money("0.001", "EUR")
    e = ei.value
    assert e.code == "MONEY_SCALE_EXCEEDED"
    assert e.details == {"amount": "0.001", "currency": "EUR", "minor_digits": 2}
    assert str(e) == e.message == "amount 0.001 has more than 2 decimal places allowed for EUR"
    assert "MONEY_SCALE_EXCEEDED" in repr(e)


def test_errors_pickle() -> None:
    e = fc.WalletError("insufficient funds", "WALLET_INSUFFICIENT_FUNDS", {"available": "1.00"})
    e2 = pickle.loads(pickle.dumps(e))
    assert type(e2) is fc.WalletError and e2.code == e.code and e2.details == e.details


@pytest.mark.parametrize(
    "op,inp,cls,code",
    [
        ("money.parse", '{"amount": "1", "currency": "XXX1"}', fc.MoneyError, "MONEY_UNKNOWN_CURRENCY"),
        ("money.parse", '{"amount": 1, "currency": "EUR"}', fc.InputError, "INPUT_INVALID"),
        ("nothing.here", "{}", fc.InputError, "INPUT_UNKNOWN_OPERATION"),
    ],
)
def test_family_mapping_through_conformance(op: str, inp: str, cls: type, code: str) -> None:
    with pytest.raises(cls) as ei:
        fc.conformance_execute(op, inp)
    assert ei.value.code == code
