"""Configured audience models on the embedded endpoint, through an unmodified boto3 client:
Create, Get, List, Update, Delete and their tags."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from cdk_cleanrooms_ml.local.cleanroomsml.responses import CleanRoomsMlEndpoint, serve_endpoint
from tests.clock import FakeClock
from tests.local.configured_model_support import (
    OUTPUT,
    OUTPUT_ROLE,
    SEED,
    SIZES,
    create_configured,
    served,
)
from tests.local.owner_support import (
    ARN_PREFIX,
    SEEDED_MODEL,
    client,
    code,
    create_model,
    model_status,
    without_metadata,
)

OTHER_OUTPUT: dict[str, Any] = {
    "destination": {"s3Destination": {"s3Uri": "s3://elsewhere/audiences/"}},
    "roleArn": "arn:aws:iam::111122223333:role/other-output",
}


def test_a_created_model_is_active_and_reports_every_member(clock: FakeClock) -> None:
    with served(clock) as c:
        arn = create_configured(
            c,
            "lookalikes",
            description="offered to the retail collaboration",
            minMatchingSeedSize=500,
            audienceSizeConfig=SIZES,
            tags={"team": "ads"},
            childResourceTagOnCreatePolicy="FROM_PARENT_RESOURCE",
        )
        assert arn.startswith(ARN_PREFIX + "configured-audience-model/")
        model = without_metadata(c.get_configured_audience_model(configuredAudienceModelArn=arn))
        created = model.pop("createTime")
        assert model.pop("updateTime") == created
        assert created.timestamp() == clock()
        assert model == {
            "configuredAudienceModelArn": arn,
            "name": "lookalikes",
            "audienceModelArn": SEEDED_MODEL,
            "outputConfig": OUTPUT,
            "description": "offered to the retail collaboration",
            "status": "ACTIVE",
            "sharedAudienceMetrics": ["ALL"],
            "minMatchingSeedSize": 500,
            "audienceSizeConfig": SIZES,
            "tags": {"team": "ads"},
            "childResourceTagOnCreatePolicy": "FROM_PARENT_RESOURCE",
        }
        plain = c.get_configured_audience_model(
            configuredAudienceModelArn=create_configured(c, "plain")
        )
        for absent in ("description", "minMatchingSeedSize", "audienceSizeConfig", "tags"):
            assert absent not in plain
        assert "childResourceTagOnCreatePolicy" not in plain


def test_the_audience_model_must_exist_and_be_active(clock: FakeClock) -> None:
    with served(clock) as c:
        missing = ARN_PREFIX + "audience-model/missing"
        with pytest.raises(ClientError) as not_found:
            create_configured(c, "orphan", missing)
        assert code(not_found) == "ResourceNotFoundException"
        assert missing in str(not_found.value)
        training = create_model(c, "training")
        for advance in (0, 15):
            clock.advance(advance)
            with pytest.raises(ClientError) as not_ready:
                create_configured(c, "too-early", training)
            assert code(not_ready) == "ValidationException"
            assert model_status(c, training) in str(not_ready.value)
        clock.advance(15)
        assert create_configured(c, "in-time", training).startswith(ARN_PREFIX)
        assert [
            m["name"] for m in c.list_configured_audience_models()["configuredAudienceModels"]
        ] == ["in-time"]


def test_a_taken_name_is_a_conflict_until_the_model_is_deleted(clock: FakeClock) -> None:
    with served(clock) as c:
        arn = create_configured(c, "once")
        with pytest.raises(ClientError) as taken:
            create_configured(c, "once", audienceSizeConfig=SIZES)
        assert code(taken) == "ConflictException"
        assert "once" in str(taken.value)
        c.delete_configured_audience_model(configuredAudienceModelArn=arn)
        assert create_configured(c, "once") != arn


def test_update_changes_only_the_members_the_request_carries(clock: FakeClock) -> None:
    with served(clock) as c:
        arn = create_configured(
            c,
            "tuned",
            description="first",
            audienceSizeConfig=SIZES,
            tags={"team": "ads"},
            childResourceTagOnCreatePolicy="NONE",
        )
        before = c.get_configured_audience_model(configuredAudienceModelArn=arn)
        clock.advance(60)
        answer = c.update_configured_audience_model(
            configuredAudienceModelArn=arn, minMatchingSeedSize=1000
        )
        assert answer["configuredAudienceModelArn"] == arn
        after = c.get_configured_audience_model(configuredAudienceModelArn=arn)
        assert after["minMatchingSeedSize"] == 1000
        assert (after["updateTime"] - before["updateTime"]).total_seconds() == 60
        assert after["createTime"] == before["createTime"]
        unchanged = {k: v for k, v in without_metadata(before).items() if k != "updateTime"}
        assert {k: after[k] for k in unchanged} == unchanged
        c.update_configured_audience_model(
            configuredAudienceModelArn=arn,
            outputConfig=OTHER_OUTPUT,
            sharedAudienceMetrics=["NONE"],
            audienceSizeConfig={"audienceSizeType": "PERCENTAGE", "audienceSizeBins": [5, 10]},
        )
        c.update_configured_audience_model(configuredAudienceModelArn=arn, description="")
        final = c.get_configured_audience_model(configuredAudienceModelArn=arn)
        assert "description" not in final  # "" clears it
        assert final["outputConfig"] == OTHER_OUTPUT
        assert final["sharedAudienceMetrics"] == ["NONE"]
        assert final["audienceSizeConfig"]["audienceSizeBins"] == [5, 10]
        assert (final["name"], final["tags"]) == ("tuned", {"team": "ads"})
        assert final["childResourceTagOnCreatePolicy"] == "NONE"
        assert final["minMatchingSeedSize"] == 1000


def test_update_moves_to_another_active_audience_model_only(clock: FakeClock) -> None:
    with served(clock) as c:
        arn = create_configured(c, "movable")
        training = create_model(c, "next-model")
        for target, error in (
            (ARN_PREFIX + "audience-model/missing", "ResourceNotFoundException"),
            (training, "ValidationException"),
        ):
            with pytest.raises(ClientError) as refused:
                c.update_configured_audience_model(
                    configuredAudienceModelArn=arn, audienceModelArn=target, description="no"
                )
            assert code(refused) == error
            model = c.get_configured_audience_model(configuredAudienceModelArn=arn)
            assert (model["audienceModelArn"], model.get("description")) == (SEEDED_MODEL, None)
        clock.advance(30)
        c.update_configured_audience_model(
            configuredAudienceModelArn=arn, audienceModelArn=training
        )
        model = c.get_configured_audience_model(configuredAudienceModelArn=arn)
        assert model["audienceModelArn"] == training


def test_name_tags_and_child_tag_policy_are_not_updatable(clock: FakeClock) -> None:
    endpoint = CleanRoomsMlEndpoint(seed=SEED, clock=clock)
    with serve_endpoint(endpoint) as url:
        c = client(url)
        arn = create_configured(c, "fixed")
        with pytest.raises(ParamValidationError):  # botocore knows the shape too
            c.update_configured_audience_model(configuredAudienceModelArn=arn, name="renamed")
        # What a client that does not check would send: the endpoint refuses it.
        path = "/configured-audience-model/" + urllib.parse.quote(arn, safe="")
        for member, value in (
            ("name", "renamed"),
            ("tags", {"a": "b"}),
            ("childResourceTagOnCreatePolicy", "NONE"),
        ):
            request = urllib.request.Request(
                url + path, data=json.dumps({member: value}).encode(), method="PATCH"
            )
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=5)
            assert refused.value.code == 400
            assert refused.value.headers["x-amzn-ErrorType"] == "ValidationException"
            assert f"{member}: unknown member" in refused.value.read().decode()
        model = c.get_configured_audience_model(configuredAudienceModelArn=arn)
        assert model["name"] == "fixed"
        assert "tags" not in model and "childResourceTagOnCreatePolicy" not in model


def test_a_missing_model_is_not_found(clock: FakeClock) -> None:
    with served(clock) as c:
        missing = ARN_PREFIX + "configured-audience-model/missing"
        calls: tuple[Callable[[], object], ...] = (
            lambda: c.get_configured_audience_model(configuredAudienceModelArn=missing),
            lambda: c.update_configured_audience_model(
                configuredAudienceModelArn=missing, description="x"
            ),
            lambda: c.delete_configured_audience_model(configuredAudienceModelArn=missing),
            lambda: c.list_tags_for_resource(resourceArn=missing),
        )
        for call in calls:
            with pytest.raises(ClientError) as not_found:
                call()
            assert code(not_found) == "ResourceNotFoundException"
        arn = create_configured(c, "short-lived")
        c.delete_configured_audience_model(configuredAudienceModelArn=arn)
        with pytest.raises(ClientError) as gone:
            c.delete_configured_audience_model(configuredAudienceModelArn=arn)
        assert code(gone) == "ResourceNotFoundException"
        assert c.list_configured_audience_models()["configuredAudienceModels"] == []


def test_list_is_paginated_oldest_first(clock: FakeClock) -> None:
    endpoint = CleanRoomsMlEndpoint(seed=SEED, clock=clock, page_size=2)
    with serve_endpoint(endpoint) as url:
        c = client(url)
        arns = []
        for index in range(3):
            clock.advance(1)
            arns.append(create_configured(c, f"cm-{index}", description=f"#{index}"))
        pages = list(c.get_paginator("list_configured_audience_models").paginate())
        listed = [item for page in pages for item in page["configuredAudienceModels"]]
        assert len(pages) == 2
        assert [m["configuredAudienceModelArn"] for m in listed] == arns
        assert listed[0]["description"] == "#0"
        assert {m["status"] for m in listed} == {"ACTIVE"}
        assert {m["audienceModelArn"] for m in listed} == {SEEDED_MODEL}
        assert listed[0]["outputConfig"]["roleArn"] == OUTPUT_ROLE
        # Summaries carry no settings beyond the summary's members.
        assert "sharedAudienceMetrics" not in listed[0]


def test_tags_on_the_configured_model_arn(clock: FakeClock) -> None:
    with served(clock) as c:
        arn = create_configured(c, "tagged", tags={"team": "ads", "cost": "1"})
        c.tag_resource(resourceArn=arn, tags={"cost": "2"})
        c.untag_resource(resourceArn=arn, tagKeys=["team", "absent"])
        assert c.list_tags_for_resource(resourceArn=arn)["tags"] == {"cost": "2"}
        assert c.get_configured_audience_model(configuredAudienceModelArn=arn)["tags"] == {
            "cost": "2"
        }
        c.untag_resource(resourceArn=arn, tagKeys=["cost"])
        assert "tags" not in c.get_configured_audience_model(configuredAudienceModelArn=arn)


def test_an_audience_model_in_use_cannot_be_deleted(clock: FakeClock) -> None:
    with served(clock) as c:
        trained = create_model(c, "in-use")
        clock.advance(30)
        arn = create_configured(c, "user-of-it", trained)
        with pytest.raises(ClientError) as in_use:
            c.delete_audience_model(audienceModelArn=trained)
        assert code(in_use) == "ConflictException"
        assert "user-of-it" in str(in_use.value)
        assert model_status(c, trained) == "ACTIVE"
        c.delete_configured_audience_model(configuredAudienceModelArn=arn)
        c.delete_audience_model(audienceModelArn=trained)
        assert model_status(c, trained) == "DELETE_PENDING"
