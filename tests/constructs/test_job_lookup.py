"""``AudienceGenerationJob.from_lookup``: a job made elsewhere, looked up at synth once and
kept in ``cdk.context.json``; an export of a size it does not offer fails at synth."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from aws_cdk import App, CfnParameter, Stack

from cdk_cleanrooms_ml import AudienceGenerationJob, AudienceSize, ValidationError
from cdk_cleanrooms_ml.job_lookup import CONTEXT_FILE, context_key
from cdk_cleanrooms_ml.local.cleanroomsml.responses import CleanRoomsMlEndpoint
from cdk_cleanrooms_ml.local.server import LoopbackServer
from tests.constructs.support import export_resources, template_of

PREFIX = "arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/"
ACTIVE_JOB = f"{PREFIX}1a2b3c4d-0000-4000-8000-0000000000a1"
TRAINING_JOB = f"{PREFIX}1a2b3c4d-0000-4000-8000-0000000000b2"
MODEL = "arn:aws:cleanrooms-ml:us-east-1:111122223333:configured-audience-model/example-model"
GET = "GetAudienceGenerationJob"


@pytest.fixture
def endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CleanRoomsMlEndpoint]:
    """The offline endpoint with an ACTIVE job (named, offering 20 % and 10,000) and one still
    being generated; the app runs in ``tmp_path`` with boto3 pointed at the endpoint."""
    jobs = [
        {
            "audienceGenerationJobArn": ACTIVE_JOB,
            "name": "q4-lookalikes",
            "configuredAudienceModelArn": MODEL,
            "offeredSizes": [
                {"type": "PERCENTAGE", "value": 20},
                {"type": "ABSOLUTE", "value": 10000},
            ],
        },
        {
            "audienceGenerationJobArn": TRAINING_JOB,
            "configuredAudienceModelArn": MODEL,
            "offeredSizes": [],
            "status": "CREATE_IN_PROGRESS",
            "activeAfterSeconds": 86_400,
        },
    ]
    served = CleanRoomsMlEndpoint(seed={"audienceGenerationJobs": jobs})
    with LoopbackServer([served]) as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL_CLEANROOMSML", server.url)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        monkeypatch.chdir(tmp_path)
        yield served


def lookup_stack(context: dict[str, object] | None = None) -> Stack:
    return Stack(App(context=context), "Lookups")


def test_a_lookup_names_the_job_and_is_kept_for_the_next_synth(
    endpoint: CleanRoomsMlEndpoint, tmp_path: Path
) -> None:
    stack = lookup_stack()
    job = AudienceGenerationJob.from_lookup(stack, "Job", ACTIVE_JOB)
    job.export("Top", audience_size=AudienceSize.percentage(20))
    template = template_of(stack)

    assert job.job_name == "q4-lookalikes"
    assert len(export_resources(template)) == 1
    assert len(endpoint.calls_to(GET)) == 1
    kept = json.loads((tmp_path / CONTEXT_FILE).read_text())
    assert kept == {
        context_key(ACTIVE_JOB): {
            "name": "q4-lookalikes",
            "offeredSizes": ["ABSOLUTE:10000", "PERCENTAGE:20"],
        }
    }

    again = lookup_stack()
    AudienceGenerationJob.from_lookup(again, "Job", ACTIVE_JOB).export(
        "Big", audience_size=AudienceSize.absolute(10_000)
    )
    template_of(again)
    assert len(endpoint.calls_to(GET)) == 1  # read from cdk.context.json: no second call


def test_a_size_the_job_does_not_offer_fails_at_synth_naming_audience_size(
    endpoint: CleanRoomsMlEndpoint,
) -> None:
    job = AudienceGenerationJob.from_lookup(lookup_stack(), "Job", ACTIVE_JOB)

    with pytest.raises(ValidationError) as raised:
        job.export("Top", audience_size=AudienceSize.percentage(15))

    assert raised.value.field == "audience_size"
    assert "PERCENTAGE:15 is not a size the job offers" in raised.value.rule
    assert f"the job {ACTIVE_JOB}" in raised.value.rule
    assert "offers ABSOLUTE:10000, PERCENTAGE:20" in raised.value.rule
    assert job.node.try_find_child("Top") is None  # nothing joined the tree


def test_other_entries_of_the_context_file_are_kept(
    endpoint: CleanRoomsMlEndpoint, tmp_path: Path
) -> None:
    theirs = {"availability-zones:account=111122223333:region=us-east-1": ["us-east-1a"]}
    (tmp_path / CONTEXT_FILE).write_text(json.dumps(theirs))

    AudienceGenerationJob.from_lookup(lookup_stack(), "Job", ACTIVE_JOB)

    kept = json.loads((tmp_path / CONTEXT_FILE).read_text())
    assert set(kept) == {*theirs, context_key(ACTIVE_JOB)}


def test_a_job_not_active_yet_fails_and_nothing_is_kept(
    endpoint: CleanRoomsMlEndpoint, tmp_path: Path
) -> None:
    stack = lookup_stack()
    with pytest.raises(ValidationError) as raised:
        AudienceGenerationJob.from_lookup(stack, "Job", TRAINING_JOB)

    assert raised.value.field == "job_arn"
    assert "is CREATE_IN_PROGRESS: the sizes it offers are known once it is ACTIVE" in str(
        raised.value
    )
    assert not (tmp_path / CONTEXT_FILE).exists()
    assert stack.node.try_find_child("Job") is None


def test_context_given_on_the_command_line_needs_no_lookup(
    endpoint: CleanRoomsMlEndpoint, tmp_path: Path
) -> None:
    stack = lookup_stack({context_key(ACTIVE_JOB): "PERCENTAGE:5,PERCENTAGE:10"})
    job = AudienceGenerationJob.from_lookup(stack, "Job", ACTIVE_JOB)

    job.export("Five", audience_size=AudienceSize.percentage(5))
    with pytest.raises(ValidationError, match=r"^audience_size: PERCENTAGE:20 is not a size"):
        job.export("Twenty", audience_size=AudienceSize.percentage(20))
    assert endpoint.calls_to(GET) == []
    assert not (tmp_path / CONTEXT_FILE).exists()


def test_a_job_that_cannot_be_looked_up_names_the_context_to_give(
    endpoint: CleanRoomsMlEndpoint,
) -> None:
    missing = f"{PREFIX}1a2b3c4d-0000-4000-8000-0000000000c3"
    with pytest.raises(ValidationError) as raised:
        AudienceGenerationJob.from_lookup(lookup_stack(), "Job", missing)

    assert raised.value.field == "job_arn"
    assert f"could not look up {missing} at synth" in raised.value.rule
    assert f"-c {context_key(missing)}=PERCENTAGE:20,ABSOLUTE:10000" in raised.value.rule


def test_bad_arns_fail_before_any_call(endpoint: CleanRoomsMlEndpoint) -> None:
    stack = lookup_stack()
    token = CfnParameter(stack, "JobArn").value_as_string
    with pytest.raises(ValidationError, match=r"^job_arn: a lookup needs a concrete ARN"):
        AudienceGenerationJob.from_lookup(stack, "Job", token)
    with pytest.raises(ValidationError, match=r"^job_arn: "):
        AudienceGenerationJob.from_lookup(stack, "Other", "arn:aws:s3:::bucket")
    assert endpoint.calls_to(GET) == []
    assert stack.node.try_find_child("Job") is None
