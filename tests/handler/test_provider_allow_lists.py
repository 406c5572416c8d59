"""The provider's allow-lists, given as CloudFormation parameters: checked at deploy with the
constructs' own rules, against the provider's partition, region and account; it calls no service
and makes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from cdk_cleanrooms_ml import generation_grants, job_grants
from cdk_cleanrooms_ml._handler import allow_lists
from cdk_cleanrooms_ml._handler.fields import provider_allow_lists as allow_fields
from cdk_cleanrooms_ml._handler.rules import RuleError
from tests.handler.services import Services
from tests.handler.support import ACCOUNT, FUNCTION_ARN, REGION, cfn_event, invoke_handler

JOBS = allow_fields.KEY_ALLOWED_JOB_ARNS
ROLES = allow_fields.KEY_ALLOWED_SEED_ROLE_ARNS
LOGICAL_ID = "ProviderAllowLists"
PHYSICAL_ID = f"{LOGICAL_ID}-allow-lists"
JOB_PREFIX = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:audience-generation-job/"
TEAM_JOBS = f"{JOB_PREFIX}team-a-*"
ONE_JOB = f"{JOB_PREFIX}0f1e2d3c-aaaa-bbbb-cccc-123456789012"
SEED_ROLES = f"arn:aws:iam::{ACCOUNT}:role/seed-*"
OTHER_ACCOUNT = "444455556666"
ACCOUNT_WIDE = {"JobScope": "account", "SeedRoleScope": "account"}
EU_STACK_ID = f"arn:aws:cloudformation:eu-west-1:{ACCOUNT}:stack/Providers/5b6a1c2e-0000-1111"


def lists_event(
    request_type: str,
    jobs: Any = (),
    roles: Any = (),
    *,
    resource_type: str | None = None,
    service_token: str = FUNCTION_ARN,
    **extra: Any,
) -> dict[str, Any]:
    """An event of the allow-lists resource; ``jobs`` and ``roles`` as a template gives them
    (a tuple becomes the list a ``CommaDelimitedList`` parameter's ``Ref`` gives)."""
    event = cfn_event(
        request_type,
        {
            "ServiceToken": service_token,
            JOBS: list(jobs) if isinstance(jobs, tuple) else jobs,
            ROLES: list(roles) if isinstance(roles, tuple) else roles,
            **extra,
        },
        logical_id=LOGICAL_ID,
        physical_id=None if request_type == "Create" else PHYSICAL_ID,
    )
    event["ResourceType"] = resource_type or allow_fields.ALLOW_LISTS_RESOURCE_TYPE
    return event


def refused(services: Services, event: dict[str, Any]) -> str:
    """The reason a Create was refused with (it called nothing)."""
    created = invoke_handler(event, services=services)
    assert created.response is not None and created.response["Status"] == "FAILED"
    assert created.calls == []
    return str(created.response["Reason"])


@pytest.mark.parametrize(
    ("jobs", "roles"),
    [((), ()), (("",), ("",)), (("",), ())],
    ids=["empty-lists", "empty-parameters", "mixed"],
)
def test_none_given_allows_the_whole_account_and_calls_nothing(
    services: Services, jobs: tuple[str, ...], roles: tuple[str, ...]
) -> None:
    created = invoke_handler(lists_event("Create", jobs, roles), services=services)

    assert created.response is not None and created.response["Status"] == "SUCCESS"
    assert created.response["PhysicalResourceId"] == PHYSICAL_ID
    assert created.response["Data"] == ACCOUNT_WIDE
    assert created.calls == []


def test_good_patterns_are_accepted(services: Services) -> None:
    event = lists_event("Create", (TEAM_JOBS, ONE_JOB, TEAM_JOBS), (SEED_ROLES,))

    created = invoke_handler(event, services=services)

    assert created.response is not None and created.response["Status"] == "SUCCESS"
    assert created.response["Data"] == {"JobScope": "patterns", "SeedRoleScope": "roles"}
    assert created.calls == []


def test_each_list_has_its_own_scope(services: Services) -> None:
    created = invoke_handler(lists_event("Create", (TEAM_JOBS,), ("",)), services=services)

    assert created.response is not None
    assert created.response["Data"] == {"JobScope": "patterns", "SeedRoleScope": "account"}


JOB_SHAPE = "(arn:<partition>:cleanrooms-ml:<region>:<account>:audience-generation-job/<job>"


@pytest.mark.parametrize(
    ("jobs", "roles", "reason"),
    [
        (
            (f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:configured-audience-model/m",),
            (),
            f"{JOBS}[0]: 'arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:configured-audience-model/m'"
            f" is not an audience generation job ARN pattern {JOB_SHAPE}",
        ),
        ((TEAM_JOBS, "*"), (), f"{JOBS}[1]: '*' is not allowed: name a pattern {JOB_SHAPE}"),
        ((TEAM_JOBS, ""), (), f"{JOBS}[1]: '' is not allowed: name a pattern"),
        ((JOB_PREFIX + "a" * 2100,), (), f"{JOBS}[0]: 2169 characters, at most 2048 allowed"),
        (
            (TEAM_JOBS.replace("arn:aws:", "arn:aws-cn:"),),
            (),
            f"{JOBS}[0]: partition 'aws-cn', but the provider is deployed in 'aws'",
        ),
        (
            (ONE_JOB, TEAM_JOBS.replace(REGION, "eu-west-1")),
            (),
            f"{JOBS}[1]: region 'eu-west-1', but the provider is deployed in '{REGION}'",
        ),
        (
            (TEAM_JOBS.replace(ACCOUNT, OTHER_ACCOUNT),),
            (),
            f"{JOBS}[0]: account '{OTHER_ACCOUNT}', but the provider is deployed in account"
            f" '{ACCOUNT}'",
        ),
        (
            (),
            (SEED_ROLES, SEED_ROLES.replace(ACCOUNT, OTHER_ACCOUNT)),
            f"{ROLES}[1]: account '{OTHER_ACCOUNT}', but the provider is deployed in account"
            f" '{ACCOUNT}'",
        ),
        ((), ("*",), f"{ROLES}[0]: '*' is not an IAM role ARN pattern (arn:<partition>:iam::"),
        (
            (),
            (SEED_ROLES.replace("arn:aws:", "arn:aws-us-gov:"),),
            f"{ROLES}[0]: partition 'aws-us-gov', but the provider is deployed in 'aws'",
        ),
        ((), (SEED_ROLES + "a" * 2048,), f"{ROLES}[0]: 2085 characters, at most 2048 allowed"),
        (TEAM_JOBS, (), f"{JOBS}: must be a list of audience generation job ARN patterns"),
        ((), {"Role": SEED_ROLES}, f"{ROLES}: must be a list of IAM role ARNs or ARN patterns"),
        ((TEAM_JOBS, 7), (), f"{JOBS}[1]: must be a string, not int"),
        ((), ([SEED_ROLES],), f"{ROLES}[0]: must be a string, not list"),
        (None, (), f"{JOBS}: is required"),
    ],
    ids=[
        "job-bad-shape",
        "job-bare-star",
        "job-empty-item",
        "job-too-long",
        "job-other-partition",
        "job-other-region",
        "job-other-account",
        "role-other-account",
        "role-bad-shape",
        "role-other-partition",
        "role-too-long",
        "jobs-not-a-list",
        "roles-not-a-list",
        "job-not-a-string",
        "role-not-a-string",
        "jobs-null",
    ],
)
def test_a_bad_item_fails_the_create_naming_property_index_and_rule(
    services: Services, jobs: Any, roles: Any, reason: str
) -> None:
    assert refused(services, lists_event("Create", jobs, roles)).startswith(reason)


def test_a_missing_list_or_an_unknown_property_is_refused(services: Services) -> None:
    missing = lists_event("Create", (TEAM_JOBS,))
    del missing["ResourceProperties"][ROLES]

    assert refused(services, missing) == f"{ROLES}: is required"
    assert refused(services, lists_event("Create", Extra="1")).startswith(
        "Extra: unknown property; allowed: AllowedJobArns, AllowedSeedRoleArns, ServiceToken"
    )


def test_without_a_function_arn_the_stack_tells_where_the_provider_is(
    services: Services,
) -> None:
    # The ServiceToken is no function ARN (a crafted event): the stack's region is compared.
    eu_jobs = (TEAM_JOBS.replace(REGION, "eu-west-1"),)
    in_us = lists_event("Create", eu_jobs, service_token="x")
    in_eu = lists_event("Create", eu_jobs, service_token="x")
    in_eu["StackId"] = EU_STACK_ID

    assert refused(services, in_us).startswith(
        f"{JOBS}[0]: region 'eu-west-1', but the provider is deployed in '{REGION}'"
    )
    created = invoke_handler(in_eu, services=services)
    assert created.response is not None and created.response["Status"] == "SUCCESS"


def test_the_function_arn_wins_over_the_stack(services: Services) -> None:
    event = lists_event("Create", (TEAM_JOBS,))
    event["StackId"] = EU_STACK_ID

    created = invoke_handler(event, services=services)

    assert created.response is not None and created.response["Status"] == "SUCCESS"


def test_update_checks_the_new_lists_and_keeps_its_id(services: Services) -> None:
    updated = invoke_handler(lists_event("Update", (TEAM_JOBS,), ()), services=services)
    bad = invoke_handler(lists_event("Update", ("*",), ()), services=services)

    assert updated.response is not None and updated.response["Status"] == "SUCCESS"
    assert updated.response["PhysicalResourceId"] == PHYSICAL_ID
    assert updated.response["Data"] == {"JobScope": "patterns", "SeedRoleScope": "account"}
    assert bad.response is not None and bad.response["Status"] == "FAILED"
    assert bad.response["PhysicalResourceId"] == PHYSICAL_ID
    assert bad.response["Reason"].startswith(f"{JOBS}[0]: '*' is not allowed")
    assert updated.calls == [] and bad.calls == []


@pytest.mark.parametrize(
    "properties",
    [
        {"ServiceToken": FUNCTION_ARN, JOBS: ["*"], ROLES: "x"},
        {"ServiceToken": FUNCTION_ARN, "Extra": "1"},
        "not an object",
    ],
    ids=["bad-lists", "unknown-and-missing", "not-an-object"],
)
def test_delete_with_bad_properties_succeeds_and_calls_nothing(
    services: Services, properties: Any
) -> None:
    event = lists_event("Delete")
    event["ResourceProperties"] = properties

    deleted = invoke_handler(event, services=services)

    assert deleted.response is not None and deleted.response["Status"] == "SUCCESS"
    assert deleted.response["PhysicalResourceId"] == PHYSICAL_ID
    assert deleted.calls == []


def test_the_rollback_after_a_refused_create_deletes_it(services: Services) -> None:
    create = lists_event("Create", (TEAM_JOBS.replace(ACCOUNT, OTHER_ACCOUNT),))
    created = invoke_handler(create, services=services)
    assert created.response is not None and created.response["Status"] == "FAILED"
    assert created.response["Reason"].startswith(f"{JOBS}[0]: account '{OTHER_ACCOUNT}'")
    rollback = lists_event("Delete", (TEAM_JOBS.replace(ACCOUNT, OTHER_ACCOUNT),))
    rollback["PhysicalResourceId"] = created.response["PhysicalResourceId"]

    deleted = invoke_handler(rollback, services=services)

    assert deleted.response is not None and deleted.response["Status"] == "SUCCESS"
    assert deleted.response["PhysicalResourceId"] == created.response["PhysicalResourceId"]
    assert created.calls == [] and deleted.calls == []


def test_a_template_of_its_own_type_name_is_told_by_the_property(services: Services) -> None:
    event = lists_event("Create", (TEAM_JOBS,), ("",), resource_type="Custom::AllowLists")

    created = invoke_handler(event, services=services)

    assert created.response is not None and created.response["Status"] == "SUCCESS"
    assert created.response["Data"] == {"JobScope": "patterns", "SeedRoleScope": "account"}


# --- written once: the constructs' checks are the handler's ------------------------------------

BAD_JOBS = [
    ["*"],
    [" "],
    [TEAM_JOBS, 7],
    [f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}:configured-audience-model/m"],
    [JOB_PREFIX + "a" * 2100],
    [TEAM_JOBS.replace("arn:aws:", "arn:aws-cn:")],
    [],
    TEAM_JOBS,
]
BAD_ROLES = [["*"], [SEED_ROLES + "a" * 2048], [SEED_ROLES.replace("arn:aws:", "arn:aws-cn:")]]


def _message(check: Any, items: object) -> str:
    with pytest.raises(RuleError) as raised:
        check(items, JOBS, "aws")
    return str(raised.value)


@pytest.mark.parametrize("items", BAD_JOBS, ids=range(len(BAD_JOBS)))
def test_the_constructs_job_check_gives_the_handlers_message(items: object) -> None:
    assert _message(job_grants.check_patterns, items) == _message(
        allow_lists.check_job_patterns, items
    )


@pytest.mark.parametrize("items", BAD_ROLES, ids=range(len(BAD_ROLES)))
def test_the_constructs_role_check_gives_the_handlers_message(items: object) -> None:
    assert _message(generation_grants.check_seed_role_patterns, items) == _message(
        allow_lists.check_seed_role_patterns, items
    )


def test_the_handler_answers_the_constructs_message(services: Services) -> None:
    # The same item, refused at synth by the construct and at deploy by the handler.
    bad = TEAM_JOBS.replace("arn:aws:", "arn:aws-cn:")

    assert refused(services, lists_event("Create", (bad,))) == _message(
        job_grants.check_patterns, [bad]
    )


def test_only_the_constructs_refuse_a_token() -> None:
    token = "${Token[TOKEN.1]}"

    with pytest.raises(RuleError, match=r"^x\[0\]: must be written out: a token cannot"):
        job_grants.check_patterns([token], "x")
    with pytest.raises(RuleError, match=r"^x\[0\]: .* is not an audience generation job ARN"):
        allow_lists.check_job_patterns([token], "x")
