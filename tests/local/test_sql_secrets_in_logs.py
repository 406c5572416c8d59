"""A SQL-seeded generation job's sensitive values (the query text, the analysis template's ARN,
the parameter values: the service model marks them sensitive) reach no log line: a lifecycle
through the driver, the real handler asset at LOG_LEVEL=DEBUG and the endpoint, on the fast
clock, then a scan of every invocation's log and of everything the run printed.

Each job takes long enough that waiting for it needs several invocations, however the wait is
carried from one to the next; the scan reads whatever log files the run left.
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any, Final

import pytest

from cdk_cleanrooms_ml.local.cloudformation.assembly import load_stack
from cdk_cleanrooms_ml.local.cloudformation.driver import DriverOptions, ProgressEvent
from cdk_cleanrooms_ml.local.harness import LocalCloud
from cdk_cleanrooms_ml.local.output import print_result, progress_line
from cdk_cleanrooms_ml.resource_types import GENERATION_JOB_RESOURCE_TYPE
from tests.local.conftest import CloudFactory
from tests.local.generation_support import MODEL, SEED_ROLE, job_seed, started_jobs
from tests.local.log_scan import Leak, find_leaks, lambda_logs
from tests.local.support import ACCOUNT, write_assembly

STACK: Final = "SqlSeededLookalikes"
TOKEN: Final = {"Fn::GetAtt": ["ProviderFunction", "Arn"]}
TEMPLATE_ARN: Final = (
    f"arn:aws:cleanrooms:us-east-1:{ACCOUNT}:membership/"
    "0a1b2c3d-aaaa-bbbb-cccc-111122223333/analysistemplate/seed-template-3d9f1b"
)
QUERY: Final = "SELECT user_id FROM seed_table_5e8b2a WHERE segment = 'segment-q-91c4d7'"
PARAMETERS: Final = {"audience_segment": "segment-7f3a9c", "min_spend": "spend-2b6e80"}
# What must never show, whole or in part.
SECRETS: Final = (
    QUERY,
    "seed_table_5e8b2a",
    "segment-q-91c4d7",
    TEMPLATE_ARN,
    "seed-template-3d9f1b",
    *PARAMETERS.values(),
)
JOB_S: Final = 20 * 60  # far longer than one invocation waits
DELETE_S: Final = 6 * 60
FUNCTION_TIMEOUT: Final = 300
REQUESTS: Final = 4  # two Creates, two Deletes


def job(name: str, sql: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": GENERATION_JOB_RESOURCE_TYPE,
        "Properties": {
            "ServiceToken": TOKEN,
            "ServiceTimeout": 3600,
            "ConfiguredAudienceModelArn": MODEL,
            "SeedAudience": {"RoleArn": SEED_ROLE, "SqlParameters": sql},
            "Name": name,
        },
    }


def sql_app(tmp_path: Path) -> Path:
    """Two SQL-seeded jobs (a query; a template with parameters), the provider at DEBUG."""
    resources = {
        "QueryJob": job("sql-query-lookalikes", {"QueryString": QUERY}),
        "TemplateJob": job(
            "sql-template-lookalikes",
            {"AnalysisTemplateArn": TEMPLATE_ARN, "Parameters": PARAMETERS},
        ),
    }
    out = write_assembly(tmp_path / "cdk.out", STACK, resources, timeout=FUNCTION_TIMEOUT)
    # The function's own LOG_LEVEL wins over the harness's: set it in the template.
    path = out / f"{STACK}.template.json"
    template = json.loads(path.read_text())
    function = template["Resources"]["ProviderFunction"]["Properties"]
    function.setdefault("Environment", {}).setdefault("Variables", {})["LOG_LEVEL"] = "DEBUG"
    path.write_text(json.dumps(template, indent=1))
    return out


def log_dir(cloud: LocalCloud) -> Path:
    return cloud.emulator.runtime.work_dir / "logs"


def lines_of(logs: dict[str, str], marker: str) -> list[str]:
    return [line for text in logs.values() for line in text.splitlines() if marker in line]


@pytest.mark.slow
def test_a_sql_seeded_lifecycle_at_debug_logs_no_sensitive_value(
    tmp_path: Path,
    make_cloud: CloudFactory,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    events: list[ProgressEvent] = []
    cloud = make_cloud(
        fast_clock=True,
        seed=job_seed(JOB_S, delete_s=DELETE_S),
        log_level="DEBUG",
        options=DriverOptions(max_wait=240, no_response_grace=8.0),
        progress=events,
    )

    deployed = cloud.deploy(load_stack(sql_app(tmp_path)))
    assert deployed.status == "CREATE_COMPLETE", deployed.reason
    assert sorted(j.status for j in started_jobs(cloud)) == ["ACTIVE", "ACTIVE"]
    destroyed = cloud.destroy(STACK)
    assert destroyed.status == "DELETE_COMPLETE", destroyed.reason
    assert started_jobs(cloud) == []
    cloud.emulator.wait_idle(10)  # the last invocations finish their logging

    # The values really went to the service: there was something to leak.
    sent = [c.params["seedAudience"]["sqlParameters"] for c in _starts(cloud)]
    assert {"queryString": QUERY} in sent
    assert {"analysisTemplateArn": TEMPLATE_ARN, "parameters": PARAMETERS} in sent

    driver = io.StringIO()
    for event in events:
        print(progress_line(event), file=driver)
    print_result(deployed, driver)
    print_result(destroyed, driver)
    printed = capfd.readouterr()
    logs = lambda_logs(log_dir(cloud))
    outputs = {
        **logs,
        "driver output": driver.getvalue(),
        "stdout": printed.out,
        "stderr": printed.err,
        "log records of the test process": caplog.text,
    }

    # The scan reads real logs: every invocation logged its event at DEBUG level, waits took
    # more invocations than CloudFormation sent requests, and the names of the set parameters
    # show.
    invoked = [text for text in logs.values() if "\tevent: {" in text]
    assert len(invoked) > REQUESTS, len(invoked)
    assert any("[DEBUG]" in text for text in invoked)
    event_lines = lines_of(logs, "\tevent: {")
    assert any('"SqlParameters": {"QueryString": "<redacted>"}' in line for line in event_lines)
    shown_parameters = '"Parameters": {"audience_segment": "<redacted>", "min_spend": "<redacted>"}'
    assert any(shown_parameters in line for line in event_lines)
    assert sum("sql-template-lookalikes" in text for text in invoked) > 2
    assert "TemplateJob" in outputs["driver output"]

    assert find_leaks(outputs, SECRETS) == []

    # And it finds a value that does get into a log line.
    some_log = next(iter(logs))
    with open(some_log, "a", encoding="utf-8") as log:
        log.write('[DEBUG]\tbody: {"audience_segment": "segment-7f3a9c"}\n')
    leaks = find_leaks(lambda_logs(log_dir(cloud)), SECRETS)
    assert [(leak.source, leak.secret) for leak in leaks] == [(some_log, "segment-7f3a9c")]


def _starts(cloud: LocalCloud) -> list[Any]:
    return [c for c in cloud.endpoint.calls_to("StartAudienceGenerationJob") if c.status == 200]


# --- the scan itself -------------------------------------------------------------------------


def test_the_scan_reports_each_line_showing_a_secret_in_any_encoding(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    (logs / "nested").mkdir(parents=True)
    (logs / "fn-1.log").write_text(
        "START\n"
        '[INFO]\tevent: {"Parameters": {"audience_segment": "<redacted>"}}\n'
        '[DEBUG]\tbody: b\'{"parameters": {"audience_segment": "SEGMENT-7F3A9C"}}\'\n'
    )
    (logs / "nested" / "fn-2.log").write_text(f"[DEBUG]\tinput: {json.dumps(json.dumps(QUERY))}\n")
    (logs / "fn-3.log").write_text("[INFO]\tsegment%2D7f3a9c is not it; segment-7f3a9 neither\n")

    leaks = find_leaks(
        {**lambda_logs(logs), "driver output": "Job  CREATE_COMPLETE  spend-2b6e80\n"}, SECRETS
    )

    assert leaks == [
        Leak(str(logs / "fn-1.log"), 3, "segment-7f3a9c", leaks[0].line),
        # The query holds no character JSON escapes: the whole of it shows, and each part.
        Leak(str(logs / "nested" / "fn-2.log"), 1, QUERY, leaks[1].line),
        Leak(str(logs / "nested" / "fn-2.log"), 1, "seed_table_5e8b2a", leaks[2].line),
        Leak(str(logs / "nested" / "fn-2.log"), 1, "segment-q-91c4d7", leaks[3].line),
        Leak("driver output", 1, "spend-2b6e80", "Job  CREATE_COMPLETE  spend-2b6e80"),
    ]
