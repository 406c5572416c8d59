"""What the command line prints once a run is done: attributes with their tags, the resources
the harness only simulates, and which clock the run told time with."""

from __future__ import annotations

import io
from pathlib import Path

from cdk_cleanrooms_ml.local.clock import CLOCK_FILE, FileClock, SystemClock
from cdk_cleanrooms_ml.local.cloudformation.results import StackResult
from cdk_cleanrooms_ml.local.cloudformation.stacks import ResourceState
from cdk_cleanrooms_ml.local.output import clock_line, print_result, tags_of


def result() -> StackResult:
    job = ResourceState(
        "Job1",
        "Custom::CleanRoomsMlAudienceGenerationJob",
        "arn:job",
        properties={"Tags": [{"Key": "team", "Value": "growth"}]},
        data={"Status": "ACTIVE"},
        label="Job",
    )
    role = ResourceState("Role1", "AWS::IAM::Role", "role-1", label="Writer")
    dataset = ResourceState(
        "Clicks1", "AWS::CleanRoomsML::TrainingDataset", "arn:dataset", data={"Status": "ACTIVE"}
    )
    return StackResult(
        "Flow",
        "CREATE_COMPLETE",
        resources={"Job1": job, "Role1": role, "Clicks1": dataset},
    )


def test_attributes_show_tags_and_simulated_resources_are_named() -> None:
    out = io.StringIO()

    print_result(result(), out)

    text = out.getvalue()
    assert "Job (Job1)  physical id arn:job\n  Status = ACTIVE\n  (tags) team=growth" in text
    assert "Clicks1  physical id arn:dataset" in text  # run against the endpoint
    assert "Simulated, not run offline:\n  Writer  AWS::IAM::Role" in text


def test_tags_of_reads_lists_and_maps() -> None:
    assert tags_of({"Tags": [{"Key": "a", "Value": "1"}, {"Key": "b"}]}) == "a=1, b="
    assert tags_of({"Tags": {"a": "1"}}) == "a=1"
    assert tags_of({}) == ""


def test_the_clock_line_says_virtual_time_and_the_way_back(tmp_path: Path) -> None:
    clock = FileClock.start(tmp_path / CLOCK_FILE, fast=True)
    clock.advance(2 * 3600)

    line = clock_line(clock, tmp_path)

    assert line.startswith("time: virtual, 2.0 h ahead of real time (waits pass at once")
    assert f"delete {tmp_path / CLOCK_FILE}" in line
    assert clock_line(SystemClock(), tmp_path) == "time: real"
