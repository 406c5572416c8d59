"""Configured audience models and their policies on the embedded endpoint: the state file, the
admin state and injected faults, through an unmodified boto3 client."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.clock import FakeClock
from tests.local.configured_model_support import (
    SIZES,
    create_configured,
    relevance_sizes,
    served,
    sha256,
    start_job,
)
from tests.local.owner_support import SEEDED_MODEL, code, inject, without_metadata

POLICY = '{"Version": "2012-10-17", "Statement": []}'


def test_models_and_policies_persist_through_the_state_file(
    tmp_path: Path, clock: FakeClock
) -> None:
    state = tmp_path / "cleanroomsml.json"
    with served(clock, state) as c:
        kept = create_configured(c, "kept", audienceSizeConfig=SIZES, tags={"team": "ads"})
        c.update_configured_audience_model(configuredAudienceModelArn=kept, description="tuned")
        c.tag_resource(resourceArn=kept, tags={"stage": "prod"})
        c.put_configured_audience_model_policy(
            configuredAudienceModelArn=kept, configuredAudienceModelPolicy=POLICY
        )
        unshared = create_configured(c, "unshared")
        c.put_configured_audience_model_policy(
            configuredAudienceModelArn=unshared, configuredAudienceModelPolicy=POLICY
        )
        c.delete_configured_audience_model_policy(configuredAudienceModelArn=unshared)
        dropped = create_configured(c, "dropped")
        c.delete_configured_audience_model(configuredAudienceModelArn=dropped)
        before = without_metadata(c.get_configured_audience_model(configuredAudienceModelArn=kept))
    with served(clock, state) as c:
        after = c.get_configured_audience_model(configuredAudienceModelArn=kept)
        assert without_metadata(after) == before
        assert before["tags"] == {"team": "ads", "stage": "prod"}
        assert before["description"] == "tuned"
        policy = c.get_configured_audience_model_policy(configuredAudienceModelArn=kept)
        assert (policy["configuredAudienceModelPolicy"], policy["policyHash"]) == (
            POLICY,
            sha256(POLICY),
        )
        with pytest.raises(ClientError) as no_policy:
            c.get_configured_audience_model_policy(configuredAudienceModelArn=unshared)
        assert code(no_policy) == "ResourceNotFoundException"
        listed = c.list_configured_audience_models()["configuredAudienceModels"]
        assert [m["name"] for m in listed] == ["kept", "unshared"]
        # Still guarded after the restart: its audience model is in use; its name is taken.
        with pytest.raises(ClientError) as in_use:
            c.delete_audience_model(audienceModelArn=SEEDED_MODEL)
        assert code(in_use) == "ConflictException"
        with pytest.raises(ClientError) as taken:
            create_configured(c, "kept")
        assert code(taken) == "ConflictException"
        job = start_job(c, "after-restart", kept)
        clock.advance(30)
        assert relevance_sizes(c, job) == [("ABSOLUTE", v) for v in SIZES["audienceSizeBins"]]
        c.delete_audience_generation_job(audienceGenerationJobArn=job)
        c.delete_configured_audience_model(configuredAudienceModelArn=kept)
    with served(clock, state) as c:
        listed = c.list_configured_audience_models()["configuredAudienceModels"]
        assert [m["name"] for m in listed] == ["unshared"]
    saved = json.loads(state.read_text())
    assert [m["name"] for m in saved["configuredAudienceModels"]] == ["unshared"]
    assert {kept, dropped} <= set(saved["deletedArns"])


def test_the_admin_state_shows_configured_models(clock: FakeClock) -> None:
    with served(clock) as c:
        arn = create_configured(c, "shown")
        with urllib.request.urlopen(f"{c.meta.endpoint_url}/_local/state", timeout=5) as answer:
            state = json.load(answer)
    assert [m["configuredAudienceModelArn"] for m in state["configuredAudienceModels"]] == [arn]


def test_generic_faults_take_the_new_operations(clock: FakeClock) -> None:
    with served(clock) as c:
        url = c.meta.endpoint_url
        inject(url, {"kind": "throttle", "operation": "CreateConfiguredAudienceModel"})
        with pytest.raises(ClientError) as throttled:
            create_configured(c, "throttled")
        assert code(throttled) == "ThrottlingException"
        arn = create_configured(c, "throttled")  # the fault is used up
        inject(url, {"kind": "server-error", "operation": "GetConfiguredAudienceModelPolicy"})
        with pytest.raises(ClientError) as broken:
            c.get_configured_audience_model_policy(configuredAudienceModelArn=arn)
        assert code(broken) == "InternalServiceException"
        inject(
            url,
            {
                "kind": "error",
                "code": "ConflictException",
                "operation": "UpdateConfiguredAudienceModel",
            },
        )
        with pytest.raises(ClientError) as conflict:
            c.update_configured_audience_model(configuredAudienceModelArn=arn, description="x")
        assert code(conflict) == "ConflictException"
        assert "description" not in c.get_configured_audience_model(configuredAudienceModelArn=arn)
        inject(
            url, {"kind": "rate-limit", "perSecond": 1, "operation": "ListConfiguredAudienceModels"}
        )
        c.list_configured_audience_models()
        with pytest.raises(ClientError) as limited:
            c.list_configured_audience_models()
        assert code(limited) == "ThrottlingException"


def test_lost_answers_are_committed(clock: FakeClock) -> None:
    with served(clock) as c:
        url = c.meta.endpoint_url
        inject(url, {"kind": "lose-answer", "operation": "CreateConfiguredAudienceModel"})
        with pytest.raises(ClientError) as lost:
            create_configured(c, "made-anyway")
        assert code(lost) == "InternalServiceException"
        with pytest.raises(ClientError) as retried:
            create_configured(c, "made-anyway")
        assert code(retried) == "ConflictException"
        (model,) = c.list_configured_audience_models()["configuredAudienceModels"]
        arn = model["configuredAudienceModelArn"]
        inject(url, {"kind": "lose-answer", "operation": "PutConfiguredAudienceModelPolicy"})
        with pytest.raises(ClientError) as lost_put:
            c.put_configured_audience_model_policy(
                configuredAudienceModelArn=arn,
                configuredAudienceModelPolicy=POLICY,
                policyExistenceCondition="POLICY_MUST_NOT_EXIST",
            )
        assert code(lost_put) == "InternalServiceException"
        with pytest.raises(ClientError) as retried_put:
            c.put_configured_audience_model_policy(
                configuredAudienceModelArn=arn,
                configuredAudienceModelPolicy=POLICY,
                policyExistenceCondition="POLICY_MUST_NOT_EXIST",
            )
        assert code(retried_put) == "ValidationException"
        assert sha256(POLICY) in str(retried_put.value)
        inject(url, {"kind": "lose-answer", "operation": "DeleteConfiguredAudienceModel"})
        with pytest.raises(ClientError):
            c.delete_configured_audience_model(configuredAudienceModelArn=arn)
        assert c.list_configured_audience_models()["configuredAudienceModels"] == []
