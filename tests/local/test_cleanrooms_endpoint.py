"""The embedded Clean Rooms endpoint (configured audience model associations), beside the Clean
Rooms ML endpoint on one server, through unmodified boto3 ``cleanrooms`` and ``cleanroomsml``
clients: create, get, update, list, delete, tags, every error, the state file, faults, the seed
and the harness's mounting."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from cdk_cleanrooms_ml.local.cleanrooms.responses import ENDPOINT_ENV, CleanRoomsEndpoint
from cdk_cleanrooms_ml.local.cleanrooms.seed import (
    DEFAULT_COLLABORATION_ID,
    DEFAULT_MEMBERSHIP_ID,
)
from cdk_cleanrooms_ml.local.cleanroomsml.exceptions import SeedError
from cdk_cleanrooms_ml.local.cleanroomsml.responses import CleanRoomsMlEndpoint
from cdk_cleanrooms_ml.local.cleanroomsml.seed import default_seed, parse_seed
from cdk_cleanrooms_ml.local.server import LoopbackServer
from tests.clock import FakeClock
from tests.local.configured_model_support import SEED as CONFIGURED_SEED
from tests.local.configured_model_support import SEEDED_CONFIGURED, create_configured
from tests.local.owner_support import NO_RETRIES, client, code, inject, without_metadata

OTHER_MEMBERSHIP: Final = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
OTHER_COLLABORATION: Final = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
# No membership and no association has it.
UNKNOWN_ID: Final = "ffffffff-ffff-4fff-8fff-ffffffffffff"
SEED: Final[dict[str, Any]] = {
    **CONFIGURED_SEED,
    "memberships": [
        {"id": DEFAULT_MEMBERSHIP_ID, "collaborationId": DEFAULT_COLLABORATION_ID},
        {"id": OTHER_MEMBERSHIP, "collaborationId": OTHER_COLLABORATION},
    ],
}
PREFIX: Final = "arn:aws:cleanrooms:us-east-1:111122223333:"
# Its account is not 12 digits.
BAD_MODEL_ARN: Final = "arn:aws:cleanrooms-ml:us-east-1:1:configured-audience-model/x"
UUID: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class Served:
    ml: Any  # a boto3 cleanroomsml client
    cr: Any  # a boto3 cleanrooms client
    url: str
    endpoint: CleanRoomsEndpoint


def cleanrooms_client(url: str, **config: Any) -> Any:
    return boto3.client(
        "cleanrooms",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=NO_RETRIES.merge(Config(**config)),
    )


@contextmanager
def served(clock: FakeClock, state_file: Path | None = None) -> Iterator[Served]:
    """Both endpoints on one server, on ``SEED`` (state in ``state_file``, when given)."""
    ml = CleanRoomsMlEndpoint(seed=SEED, clock=clock, state_file=state_file)
    cleanrooms = CleanRoomsEndpoint(ml)
    with LoopbackServer([ml, cleanrooms]) as server:
        yield Served(client(server.url), cleanrooms_client(server.url), server.url, cleanrooms)
    assert ml.model_violations == []
    assert cleanrooms.model_violations == []


def associate(
    s: Served, name: str, model_arn: str, membership: str = DEFAULT_MEMBERSHIP_ID, **extra: Any
) -> dict[str, Any]:
    answer: dict[str, Any] = s.cr.create_configured_audience_model_association(
        membershipIdentifier=membership,
        configuredAudienceModelArn=model_arn,
        configuredAudienceModelAssociationName=name,
        manageResourcePolicies=extra.pop("manageResourcePolicies", False),
        **extra,
    )["configuredAudienceModelAssociation"]
    return answer


def get(s: Served, association_id: str, membership: str = DEFAULT_MEMBERSHIP_ID) -> Any:
    return s.cr.get_configured_audience_model_association(
        membershipIdentifier=membership, configuredAudienceModelAssociationIdentifier=association_id
    )["configuredAudienceModelAssociation"]


def at(clock: FakeClock) -> datetime:
    """The fake clock's time as botocore parses the endpoint's timestamps (milliseconds)."""
    return datetime.fromtimestamp(round(clock.now(), 3), tz=UTC)


def test_create_get_update_delete(clock: FakeClock) -> None:
    with served(clock) as s:
        model = create_configured(s.ml, "offer")
        made = associate(
            s,
            "lookalikes",
            model,
            manageResourcePolicies=True,
            description="first",
            tags={"a": "1"},
        )
        association_id = made["id"]
        assert UUID.fullmatch(association_id)
        membership_arn = f"{PREFIX}membership/{DEFAULT_MEMBERSHIP_ID}"
        assert made == {
            "id": association_id,
            "arn": f"{membership_arn}/configuredaudiencemodelassociation/{association_id}",
            "membershipId": DEFAULT_MEMBERSHIP_ID,
            "membershipArn": membership_arn,
            "collaborationId": DEFAULT_COLLABORATION_ID,
            "collaborationArn": f"{PREFIX}collaboration/{DEFAULT_COLLABORATION_ID}",
            "name": "lookalikes",
            "configuredAudienceModelArn": model,
            "manageResourcePolicies": True,
            "description": "first",
            "createTime": at(clock),
            "updateTime": at(clock),
        }
        assert get(s, association_id) == made
        # manageResourcePolicies is recorded only: the configured model still has no policy.
        with pytest.raises(ClientError) as no_policy:
            s.ml.get_configured_audience_model_policy(configuredAudienceModelArn=model)
        assert code(no_policy) == "ResourceNotFoundException"
        created = at(clock)
        clock.advance(60)
        updated = s.cr.update_configured_audience_model_association(
            membershipIdentifier=DEFAULT_MEMBERSHIP_ID,
            configuredAudienceModelAssociationIdentifier=association_id,
            name="renamed",
        )["configuredAudienceModelAssociation"]
        assert (updated["name"], updated["description"]) == ("renamed", "first")
        assert (updated["createTime"], updated["updateTime"]) == (created, at(clock))
        cleared = s.cr.update_configured_audience_model_association(
            membershipIdentifier=DEFAULT_MEMBERSHIP_ID,
            configuredAudienceModelAssociationIdentifier=association_id,
            description="",
        )["configuredAudienceModelAssociation"]
        assert "description" not in cleared
        assert get(s, association_id) == cleared
        deleted = s.cr.delete_configured_audience_model_association(
            membershipIdentifier=DEFAULT_MEMBERSHIP_ID,
            configuredAudienceModelAssociationIdentifier=association_id,
        )
        assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
        with pytest.raises(ClientError) as gone:
            get(s, association_id)
        assert code(gone) == "ResourceNotFoundException"
        listed = s.cr.list_configured_audience_model_associations(
            membershipIdentifier=DEFAULT_MEMBERSHIP_ID
        )
        assert listed["configuredAudienceModelAssociationSummaries"] == []
        # The configured model is free again, and a seeded one (known to jobs only) is usable.
        assert associate(s, "again", model)["name"] == "again"
        assert associate(s, "seeded", SEEDED_CONFIGURED)["name"] == "seeded"


def test_list_pages_oldest_first_within_one_membership(clock: FakeClock) -> None:
    with served(clock) as s:
        models = [create_configured(s.ml, f"offer-{n}") for n in range(5)]
        for n, model in enumerate(models):
            associate(s, f"assoc-{n}", model)
            clock.advance(1)
        associate(s, "elsewhere", models[0], membership=OTHER_MEMBERSHIP)
        names: list[str] = []
        pages = 0
        token: dict[str, str] = {}
        while True:
            answer = s.cr.list_configured_audience_model_associations(
                membershipIdentifier=DEFAULT_MEMBERSHIP_ID, maxResults=2, **token
            )
            pages += 1
            names += [a["name"] for a in answer["configuredAudienceModelAssociationSummaries"]]
            if "nextToken" not in answer:
                break
            token = {"nextToken": answer["nextToken"]}
        assert (names, pages) == ([f"assoc-{n}" for n in range(5)], 3)
        first = s.cr.list_configured_audience_model_associations(
            membershipIdentifier=DEFAULT_MEMBERSHIP_ID, maxResults=2
        )
        [summary] = first["configuredAudienceModelAssociationSummaries"][:1]
        assert "manageResourcePolicies" not in summary
        assert summary["membershipId"] == DEFAULT_MEMBERSHIP_ID
        # A token belongs to the membership it was listed in.
        with pytest.raises(ClientError) as foreign:
            s.cr.list_configured_audience_model_associations(
                membershipIdentifier=OTHER_MEMBERSHIP, nextToken=first["nextToken"]
            )
        assert code(foreign) == "ValidationException"
        paginator = s.cr.get_paginator("list_configured_audience_model_associations")
        other = [
            a["name"]
            for page in paginator.paginate(membershipIdentifier=OTHER_MEMBERSHIP)
            for a in page["configuredAudienceModelAssociationSummaries"]
        ]
        assert other == ["elsewhere"]


def test_tags_are_routed_by_the_service_a_request_is_signed_for(clock: FakeClock) -> None:
    with served(clock) as s:
        model = create_configured(s.ml, "offer", tags={"owner": "ml"})
        arn = associate(s, "tagged", model, tags={"team": "ads"})["arn"]
        s.cr.tag_resource(resourceArn=arn, tags={"stage": "prod", "team": "growth"})
        s.cr.untag_resource(resourceArn=arn, tagKeys=["stage", "absent"])
        assert s.cr.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "growth"}
        # Clean Rooms ML's tags on its configured model are its own.
        assert s.ml.list_tags_for_resource(resourceArn=model)["tags"] == {"owner": "ml"}
        # Signed for cleanrooms: a Clean Rooms ML ARN breaks this service's ARN pattern ...
        with pytest.raises(ClientError) as foreign:
            s.cr.list_tags_for_resource(resourceArn=model)
        assert code(foreign) == "ValidationException"
        # ... and signed for cleanrooms-ml, an association's ARN is not that service's.
        with pytest.raises(ClientError) as not_ml:
            s.ml.list_tags_for_resource(resourceArn=arn)
        assert code(not_ml) == "ValidationException"
        unknown = f"{arn.rsplit('/', 1)[0]}/{UNKNOWN_ID}"
        with pytest.raises(ClientError) as missing:
            s.cr.tag_resource(resourceArn=unknown, tags={"a": "b"})
        assert code(missing) == "ResourceNotFoundException"
        # Unsigned: the ARN's service decides.
        unsigned = cleanrooms_client(s.url, signature_version=UNSIGNED)
        assert unsigned.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "growth"}
        assert [call.operation for call in s.endpoint.calls][-1] == "ListTagsForResource"


def test_every_error(clock: FakeClock) -> None:
    with served(clock) as s:
        model, other_model = create_configured(s.ml, "offer"), create_configured(s.ml, "other")
        made = associate(s, "taken", model)
        with pytest.raises(ClientError) as no_membership:
            associate(s, "x", other_model, membership=UNKNOWN_ID)
        assert code(no_membership) == "ResourceNotFoundException"
        assert no_membership.value.response["resourceType"] == "MEMBERSHIP"
        assert no_membership.value.response["resourceId"] == UNKNOWN_ID
        with pytest.raises(ClientError) as no_list:
            s.cr.list_configured_audience_model_associations(membershipIdentifier=UNKNOWN_ID)
        assert code(no_list) == "ResourceNotFoundException"
        with pytest.raises(ClientError) as no_model:
            associate(s, "x", model.rsplit("/", 1)[0] + "/missing")
        assert code(no_model) == "ResourceNotFoundException"
        assert "missing" in str(no_model.value)
        with pytest.raises(ClientError) as same_name:
            associate(s, "taken", other_model)
        assert code(same_name) == "ConflictException"
        assert same_name.value.response["resourceId"] == made["id"]
        with pytest.raises(ClientError) as same_model:
            associate(s, "second", model)
        assert code(same_model) == "ConflictException"
        assert same_model.value.response["reason"] == "ALREADY_EXISTS"
        # Both are per membership: another membership may use the name and the model.
        associate(s, "taken", model, membership=OTHER_MEMBERSHIP)
        with pytest.raises(ClientError) as wrong_membership:
            get(s, made["id"], membership=OTHER_MEMBERSHIP)
        assert code(wrong_membership) == "ResourceNotFoundException"
        second = associate(s, "second", other_model)
        with pytest.raises(ClientError) as rename:
            s.cr.update_configured_audience_model_association(
                membershipIdentifier=DEFAULT_MEMBERSHIP_ID,
                configuredAudienceModelAssociationIdentifier=second["id"],
                name="taken",
            )
        assert code(rename) == "ValidationException"
        assert get(s, second["id"])["name"] == "second"
        for missing_call in (
            s.cr.update_configured_audience_model_association,
            s.cr.delete_configured_audience_model_association,
        ):
            with pytest.raises(ClientError) as absent:
                missing_call(
                    membershipIdentifier=DEFAULT_MEMBERSHIP_ID,
                    configuredAudienceModelAssociationIdentifier=UNKNOWN_ID,
                )
            assert code(absent) == "ResourceNotFoundException"
        nothing_made = len(
            s.cr.list_configured_audience_model_associations(
                membershipIdentifier=DEFAULT_MEMBERSHIP_ID
            )["configuredAudienceModelAssociationSummaries"]
        )
        assert nothing_made == 2


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (
            {"configuredAudienceModelAssociationName": "n" * 101},
            "configuredAudienceModelAssociationName",
        ),
        (
            {"configuredAudienceModelAssociationName": "   "},
            "configuredAudienceModelAssociationName",
        ),
        ({"description": "d" * 256}, "description"),
        ({"membershipIdentifier": DEFAULT_MEMBERSHIP_ID.upper()}, "membershipIdentifier"),
        ({"tags": {"k": "v" * 257}}, "tags.k"),
        ({"configuredAudienceModelArn": BAD_MODEL_ARN}, "configuredAudienceModelArn"),
    ],
)
def test_create_is_checked_against_the_model(
    clock: FakeClock, call: dict[str, Any], field: str
) -> None:
    with served(clock) as s:
        request: dict[str, Any] = {
            "membershipIdentifier": DEFAULT_MEMBERSHIP_ID,
            "configuredAudienceModelArn": create_configured(s.ml, "offer"),
            "configuredAudienceModelAssociationName": "fine",
            "manageResourcePolicies": False,
            **call,
        }
        with pytest.raises(ClientError) as invalid:
            s.cr.create_configured_audience_model_association(**request)
        assert code(invalid) == "ValidationException"
        assert invalid.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert invalid.value.response["Error"]["Message"].startswith(f"{field}: ")
        assert [f["name"] for f in invalid.value.response["fieldList"]] == [field]
        assert invalid.value.response["reason"] == "FIELD_VALIDATION_FAILED"
        listed = s.cr.list_configured_audience_model_associations(
            membershipIdentifier=DEFAULT_MEMBERSHIP_ID
        )
        assert listed["configuredAudienceModelAssociationSummaries"] == []


def test_list_and_update_are_checked_against_the_model(clock: FakeClock) -> None:
    with served(clock) as s:
        made = associate(s, "fine", create_configured(s.ml, "offer"))
        with pytest.raises(ClientError) as too_many:
            s.cr.list_configured_audience_model_associations(
                membershipIdentifier=DEFAULT_MEMBERSHIP_ID, maxResults=101
            )
        assert code(too_many) == "ValidationException"
        assert [f["name"] for f in too_many.value.response["fieldList"]] == ["maxResults"]
        with pytest.raises(ClientError) as bad_token:
            s.cr.list_configured_audience_model_associations(
                membershipIdentifier=DEFAULT_MEMBERSHIP_ID, nextToken="not-a-token"
            )
        assert code(bad_token) == "ValidationException"
        with pytest.raises(ClientError) as blank:
            s.cr.update_configured_audience_model_association(
                membershipIdentifier=DEFAULT_MEMBERSHIP_ID,
                configuredAudienceModelAssociationIdentifier=made["id"],
                name="\t ",
            )
        assert [f["name"] for f in blank.value.response["fieldList"]] == ["name"]
        with pytest.raises(ClientError) as bad_id:
            get(s, made["id"].upper())
        assert [f["name"] for f in bad_id.value.response["fieldList"]] == [
            "configuredAudienceModelAssociationIdentifier"
        ]
        assert get(s, made["id"])["name"] == "fine"


def test_associations_persist_in_the_one_state_file(tmp_path: Path, clock: FakeClock) -> None:
    state = tmp_path / "cleanroomsml.json"
    with served(clock, state) as s:
        model, dropped_model = create_configured(s.ml, "kept"), create_configured(s.ml, "gone")
        kept = associate(s, "kept", model, manageResourcePolicies=True, tags={"team": "ads"})
        s.cr.tag_resource(resourceArn=kept["arn"], tags={"stage": "prod"})
        clock.advance(5)
        s.cr.update_configured_audience_model_association(
            membershipIdentifier=DEFAULT_MEMBERSHIP_ID,
            configuredAudienceModelAssociationIdentifier=kept["id"],
            description="tuned",
        )
        dropped = associate(s, "dropped", dropped_model)
        s.cr.delete_configured_audience_model_association(
            membershipIdentifier=DEFAULT_MEMBERSHIP_ID,
            configuredAudienceModelAssociationIdentifier=dropped["id"],
        )
        before = get(s, kept["id"])
    saved = json.loads(state.read_text())
    assert [a["name"] for a in saved["configuredAudienceModelAssociations"]] == ["kept"]
    assert [m["name"] for m in saved["configuredAudienceModels"]] == ["kept", "gone"]
    # A run serving Clean Rooms ML alone keeps the associations it does not serve.
    alone = CleanRoomsMlEndpoint(seed=SEED, clock=clock, state_file=state)
    with LoopbackServer([alone]) as server:
        create_configured(client(server.url), "while-alone")
    with served(clock, state) as s:
        assert get(s, kept["id"]) == before
        assert before["description"] == "tuned"
        assert s.cr.list_tags_for_resource(resourceArn=kept["arn"])["tags"] == {
            "team": "ads",
            "stage": "prod",
        }
        # Still guarded after the restart: the name and the model are taken.
        with pytest.raises(ClientError) as taken:
            associate(s, "kept", dropped_model)
        assert code(taken) == "ConflictException"
        with pytest.raises(ClientError) as model_taken:
            associate(s, "new", model)
        assert code(model_taken) == "ConflictException"
        s.cr.delete_configured_audience_model_association(
            membershipIdentifier=DEFAULT_MEMBERSHIP_ID,
            configuredAudienceModelAssociationIdentifier=kept["id"],
        )
        names = [
            m["name"] for m in s.ml.list_configured_audience_models()["configuredAudienceModels"]
        ]
        assert names == ["kept", "gone", "while-alone"]
    with served(clock, state) as s:
        listed = s.cr.list_configured_audience_model_associations(
            membershipIdentifier=DEFAULT_MEMBERSHIP_ID
        )
        assert listed["configuredAudienceModelAssociationSummaries"] == []
    assert json.loads(state.read_text())["configuredAudienceModelAssociations"] == []


def test_faults_apply_to_the_association_operations(clock: FakeClock) -> None:
    with served(clock) as s:
        model = create_configured(s.ml, "offer")
        inject(s.url, {"kind": "throttle", "operation": "CreateConfiguredAudienceModelAssociation"})
        # A fault for Clean Rooms' operation leaves Clean Rooms ML's calls alone.
        s.ml.get_configured_audience_model(configuredAudienceModelArn=model)
        with pytest.raises(ClientError) as throttled:
            associate(s, "first", model)
        assert code(throttled) == "ThrottlingException"
        assert throttled.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
        inject(
            s.url,
            {"kind": "lose-answer", "operation": "CreateConfiguredAudienceModelAssociation"},
        )
        with pytest.raises(ClientError) as lost:
            associate(s, "first", model)
        assert code(lost) == "InternalServerException"
        assert lost.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
        # The lost answer's association was made: the retry finds it there.
        with pytest.raises(ClientError) as retried:
            associate(s, "first", model)
        assert code(retried) == "ConflictException"
        [made] = s.cr.list_configured_audience_model_associations(
            membershipIdentifier=DEFAULT_MEMBERSHIP_ID
        )["configuredAudienceModelAssociationSummaries"]
        assert made["name"] == "first"
        s.endpoint.faults.server_error(operation="GetConfiguredAudienceModelAssociation")
        with pytest.raises(ClientError) as failed:
            get(s, made["id"])
        assert code(failed) == "InternalServerException"
        assert get(s, made["id"])["name"] == "first"
        calls = s.endpoint.calls_to("CreateConfiguredAudienceModelAssociation")
        assert [(c.status, c.error) for c in calls] == [
            (429, "ThrottlingException"),
            (500, "InternalServerException"),
            (409, "ConflictException"),
        ]
        with pytest.raises(ValueError, match="operation must be one of"):
            s.endpoint.faults.throttle(operation="CreateConfiguredAudienceModelAssociations")


def test_the_default_seed_has_the_default_membership() -> None:
    assert default_seed()["memberships"] == [
        {"id": DEFAULT_MEMBERSHIP_ID, "collaborationId": DEFAULT_COLLABORATION_ID}
    ]
    endpoint = CleanRoomsEndpoint(CleanRoomsMlEndpoint())
    assert list(endpoint.backend.memberships) == [DEFAULT_MEMBERSHIP_ID]


@pytest.mark.parametrize(
    ("memberships", "message"),
    [
        ({"id": DEFAULT_MEMBERSHIP_ID}, "memberships[0].collaborationId: required"),
        (
            {"id": DEFAULT_MEMBERSHIP_ID, "collaborationId": "x", "name": "n"},
            "memberships[0]: unknown key 'name'",
        ),
        (
            {"id": DEFAULT_MEMBERSHIP_ID.upper(), "collaborationId": DEFAULT_COLLABORATION_ID},
            "memberships[0].id: does not match",
        ),
        ("not-an-object", "memberships[0]: expected an object"),
    ],
)
def test_bad_memberships_are_refused(memberships: object, message: str) -> None:
    with pytest.raises(SeedError, match=re.escape(message)):
        parse_seed({"audienceGenerationJobs": [], "memberships": [memberships]}, now=0.0)


def test_a_membership_is_seeded_once() -> None:
    twice = {"id": OTHER_MEMBERSHIP, "collaborationId": OTHER_COLLABORATION}
    with pytest.raises(SeedError, match="is there twice"):
        parse_seed({"audienceGenerationJobs": [], "memberships": [twice, twice]}, now=0.0)


def test_the_harness_serves_cleanrooms_beside_cleanroomsml(make_cloud: Any) -> None:
    cloud = make_cloud()
    assert cloud.emulator.runtime.environment[ENDPOINT_ENV] == cloud.url
    assert cloud.emulator.runtime.environment["AWS_ENDPOINT_URL_CLEANROOMSML"] == cloud.url
    cr = cleanrooms_client(cloud.url)
    listed = cr.list_configured_audience_model_associations(
        membershipIdentifier=DEFAULT_MEMBERSHIP_ID
    )
    assert without_metadata(listed) == {"configuredAudienceModelAssociationSummaries": []}
