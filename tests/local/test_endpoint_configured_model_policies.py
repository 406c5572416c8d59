"""A configured audience model's resource policy on the embedded endpoint, through an
unmodified boto3 client: Put, Get, Delete, the existence condition and the previous hash."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from tests.clock import FakeClock
from tests.local.configured_model_support import create_configured, served, sha256
from tests.local.owner_support import ARN_PREFIX, code, without_metadata

POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                "Action": "cleanrooms-ml:StartAudienceGenerationJob",
                "Resource": "*",
            }
        ],
    }
)
NEWER = POLICY.replace("444455556666", "777788889999")


def _put(c: Any, arn: str, policy: str = POLICY, **extra: Any) -> dict[str, Any]:
    return without_metadata(
        c.put_configured_audience_model_policy(
            configuredAudienceModelArn=arn, configuredAudienceModelPolicy=policy, **extra
        )
    )


def _get(c: Any, arn: str) -> dict[str, Any]:
    return without_metadata(c.get_configured_audience_model_policy(configuredAudienceModelArn=arn))


def test_put_get_delete_with_the_hash_of_the_text(clock: FakeClock) -> None:
    with served(clock) as c:
        arn = create_configured(c, "shared")
        assert _put(c, arn) == {
            "configuredAudienceModelPolicy": POLICY,
            "policyHash": sha256(POLICY),
        }
        assert _get(c, arn) == {
            "configuredAudienceModelArn": arn,
            "configuredAudienceModelPolicy": POLICY,
            "policyHash": sha256(POLICY),
        }
        assert _put(c, arn, NEWER)["policyHash"] == sha256(NEWER) != sha256(POLICY)
        assert _get(c, arn)["configuredAudienceModelPolicy"] == NEWER
        c.delete_configured_audience_model_policy(configuredAudienceModelArn=arn)
        for call in (
            c.get_configured_audience_model_policy,
            c.delete_configured_audience_model_policy,
        ):
            with pytest.raises(ClientError) as none:
                call(configuredAudienceModelArn=arn)
            assert code(none) == "ResourceNotFoundException"
            assert "has no policy" in str(none.value)
        # The model itself is untouched by its policy.
        model = c.get_configured_audience_model(configuredAudienceModelArn=arn)
        assert model["updateTime"] == model["createTime"]


def test_a_model_without_a_policy_has_none_to_get_or_delete(clock: FakeClock) -> None:
    with served(clock) as c:
        arn = create_configured(c, "private")
        for call in (
            c.get_configured_audience_model_policy,
            c.delete_configured_audience_model_policy,
        ):
            with pytest.raises(ClientError) as none:
                call(configuredAudienceModelArn=arn)
            assert code(none) == "ResourceNotFoundException"


def test_a_missing_model_is_not_found(clock: FakeClock) -> None:
    with served(clock) as c:
        missing = ARN_PREFIX + "configured-audience-model/missing"
        with pytest.raises(ClientError) as put:
            _put(c, missing)
        assert code(put) == "ResourceNotFoundException"
        assert "missing not found" in str(put.value)
        with pytest.raises(ClientError) as get:
            _get(c, missing)
        assert code(get) == "ResourceNotFoundException"


def test_the_existence_condition_is_enforced(clock: FakeClock) -> None:
    with served(clock) as c:
        arn = create_configured(c, "conditional")
        with pytest.raises(ClientError) as must_exist:
            _put(c, arn, policyExistenceCondition="POLICY_MUST_EXIST")
        assert code(must_exist) == "ValidationException"
        assert "POLICY_MUST_EXIST" in str(must_exist.value)
        assert "has no policy" in str(must_exist.value)
        first = _put(c, arn, policyExistenceCondition="POLICY_MUST_NOT_EXIST")
        with pytest.raises(ClientError) as must_not_exist:
            _put(c, arn, NEWER, policyExistenceCondition="POLICY_MUST_NOT_EXIST")
        assert code(must_not_exist) == "ValidationException"
        assert f"has a policy with hash {first['policyHash']}" in str(must_not_exist.value)
        assert _get(c, arn)["configuredAudienceModelPolicy"] == POLICY
        _put(c, arn, NEWER, policyExistenceCondition="POLICY_MUST_EXIST")
        assert _get(c, arn)["configuredAudienceModelPolicy"] == NEWER


def test_a_stale_previous_hash_is_refused(clock: FakeClock) -> None:
    with served(clock) as c:
        arn = create_configured(c, "guarded")
        with pytest.raises(ClientError) as no_policy_yet:
            _put(c, arn, previousPolicyHash=sha256("{}"))
        assert code(no_policy_yet) == "ValidationException"
        assert "has no policy" in str(no_policy_yet.value)
        first = _put(c, arn)["policyHash"]
        second = _put(c, arn, NEWER, previousPolicyHash=first)["policyHash"]
        with pytest.raises(ClientError) as stale:
            _put(c, arn, POLICY, previousPolicyHash=first)
        assert code(stale) == "ValidationException"
        assert f"previousPolicyHash {first} does not match" in str(stale.value)
        assert f"has a policy with hash {second}" in str(stale.value)
        assert _get(c, arn)["policyHash"] == second
        both = _put(
            c, arn, POLICY, previousPolicyHash=second, policyExistenceCondition="POLICY_MUST_EXIST"
        )
        assert both["policyHash"] == first


def test_a_bad_hash_or_policy_fails_the_models_checks(clock: FakeClock) -> None:
    with served(clock) as c:
        arn = create_configured(c, "checked")
        with pytest.raises(ParamValidationError):  # botocore checks minimum lengths itself
            _put(c, arn, previousPolicyHash="ab")
        for extra, needle in (
            ({"previousPolicyHash": "ABC" * 30}, "previousPolicyHash: does not match"),
            ({"previousPolicyHash": "a" * 129}, "previousPolicyHash: 129 characters"),
            ({"policy": "x" * 20481}, "configuredAudienceModelPolicy: 20481 characters"),
        ):
            with pytest.raises(ClientError) as refused:
                _put(c, arn, **extra)
            assert code(refused) == "ValidationException"
            assert needle in str(refused.value)
        with pytest.raises(ClientError) as none:
            _get(c, arn)
        assert code(none) == "ResourceNotFoundException"


def test_deleting_the_model_deletes_its_policy(clock: FakeClock) -> None:
    with served(clock) as c:
        arn = create_configured(c, "doomed")
        _put(c, arn)
        c.delete_configured_audience_model(configuredAudienceModelArn=arn)
        with pytest.raises(ClientError) as gone:
            _get(c, arn)
        assert code(gone) == "ResourceNotFoundException"
        again = create_configured(c, "doomed")
        with pytest.raises(ClientError) as fresh:
            _get(c, again)
        assert code(fresh) == "ResourceNotFoundException"
        assert _put(c, again, policyExistenceCondition="POLICY_MUST_NOT_EXIST")
