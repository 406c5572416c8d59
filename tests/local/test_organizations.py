"""The local Organizations: units and accounts, the changes it refuses, and its JSON file."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdk_cleanrooms_ml.local.organizations import Organization, OrganizationsError
from cdk_cleanrooms_ml.local.organizations.files import read_organization, write_organization

UNIT = "ou-ab12-cdef3456"
CHILD = "ou-ab12-child0001"


def example() -> Organization:
    organization = Organization.create(
        "o-abcdef1234", "111111111111", {UNIT: ["222222222222", "333333333333"]}
    )
    organization.add_unit(CHILD, UNIT)
    organization.add_account("444444444444", CHILD)
    organization.add_account("555555555555")
    return organization


def test_a_unit_holds_its_accounts_and_those_of_the_units_under_it() -> None:
    organization = example()
    assert organization.root_id == "r-abcd"
    assert organization.accounts_in(UNIT) == ["222222222222", "333333333333", "444444444444"]
    assert organization.accounts_in(CHILD) == ["444444444444"]
    assert organization.accounts_in(organization.root_id)[0] == "111111111111"
    assert len(organization.accounts()) == 5
    assert organization.unit_of("555555555555") == organization.root_id


def test_moving_and_removing_accounts() -> None:
    organization = example()
    assert organization.move_account("222222222222", CHILD) == UNIT
    assert organization.accounts_in(CHILD) == ["444444444444", "222222222222"]
    organization.register_delegated_administrator("333333333333")
    assert organization.remove_account("333333333333") == UNIT
    assert not organization.has_account("333333333333")
    assert organization.delegated_administrators == []


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda o: o.move_account("111111111111", UNIT), "ConstraintViolationException"),
        (lambda o: o.remove_account("111111111111"), "ConstraintViolationException"),
        (lambda o: o.move_account("222222222222", UNIT), "DuplicateAccountException"),
        (lambda o: o.add_account("222222222222"), "DuplicateAccountException"),
        (lambda o: o.add_account("2222"), "InvalidInputException"),
        (lambda o: o.add_unit(UNIT), "DuplicateOrganizationalUnitException"),
        (
            lambda o: o.add_unit("ou-ab12-notthere", "ou-ab12-missing00"),
            "OrganizationalUnitNotFoundException",
        ),
        (lambda o: o.accounts_in("ou-ab12-missing00"), "OrganizationalUnitNotFoundException"),
        (lambda o: o.unit_of("999999999999"), "AccountNotFoundException"),
    ],
)
def test_refused_changes_name_the_services_error(change: object, code: str) -> None:
    with pytest.raises(OrganizationsError) as raised:
        change(example())  # type: ignore[operator]
    assert raised.value.code == code


def test_the_json_file_round_trips(tmp_path: Path) -> None:
    organization = example()
    organization.register_delegated_administrator("555555555555")
    path = tmp_path / "organization.json"
    write_organization(path, organization)
    again = read_organization(path)
    assert again.to_json() == organization.to_json()
    assert again.accounts_in(UNIT) == organization.accounts_in(UNIT)


def test_a_unit_may_be_given_as_its_accounts_alone_and_before_its_parent() -> None:
    organization = Organization.from_json(
        {
            "id": "o-abcdef1234",
            "managementAccount": "111111111111",
            "units": {
                CHILD: {"parent": UNIT, "accounts": ["444444444444"]},
                UNIT: ["222222222222"],
            },
        }
    )
    assert organization.accounts_in(UNIT) == ["222222222222", "444444444444"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "an organization is a JSON object"),
        ('{"id": "o-abcdef1234", "managementAccount": "111111111111", "x": 1}', "unknown key 'x'"),
        ('{"id": "o-1", "managementAccount": "111111111111"}', "is not an organization id"),
        (
            '{"id": "o-abcdef1234", "managementAccount": "111111111111",'
            ' "units": {"ou-ab12-cdef3456": {"parent": "ou-ab12-nowhere00"}}}',
            "names a parent that is not a unit",
        ),
        ("{", "cannot be read"),
    ],
)
def test_a_bad_file_is_refused_naming_it(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "organization.json"
    path.write_text(text)
    with pytest.raises(OrganizationsError, match=message) as raised:
        read_organization(path)
    assert str(path) in str(raised.value)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OrganizationsError, match="not found"):
        read_organization(tmp_path / "none.json")
