"""What the service model marks sensitive (the SQL seed) and the presigned URLs never reach a log
record: the event line hides them structurally, the filter hides them in any text."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import botocore.session
import pytest
from botocore.model import ListShape, MapShape, Shape, StructureShape

from cdk_cleanrooms_ml._handler import index, redaction
from cdk_cleanrooms_ml._handler.redaction import (
    REDACTED,
    RedactingFilter,
    ResponseUrlFilter,
    redacted_event,
    secrets_of,
)
from tests.handler.generation_support import job_event, job_properties, serve_jobs
from tests.handler.services import Services
from tests.handler.support import ACCOUNT, invoke_handler

HANDLER_SOURCE: Final = Path(__file__).resolve().parents[2] / "lambda" / "cleanrooms_ml_provider"
TEMPLATE_ARN: Final = (
    f"arn:aws:cleanrooms:us-east-1:{ACCOUNT}:membership/"
    "0a1b2c3d-aaaa-bbbb-cccc-111122223333/analysistemplate/seed-template-3d9f1b"
)
QUERY: Final = "SELECT user_id FROM seed_table_5e8b2a WHERE segment = 'segment-q-91c4d7'"
PARAMETERS: Final = {"audience_segment": "segment-7f3a9c", "min_spend": "spend-2b6e80"}
SHORT: Final = {"country": "US", "tier": "1"}
SIGNAL_URL: Final = "https://cloudformation-waitcondition.example/handle?X-Amz-Signature=sig0123"


def query_properties(query: str = QUERY) -> dict[str, Any]:
    seed = {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/seed-reader"}
    return job_properties(SeedAudience={**seed, "SqlParameters": {"QueryString": query}})


def template_properties(parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    sql = {"AnalysisTemplateArn": TEMPLATE_ARN, "Parameters": parameters or PARAMETERS}
    seed = {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/seed-reader", "SqlParameters": sql}
    return job_properties(SeedAudience=seed)


def dumped(value: object) -> str:
    return json.dumps(value, default=str)


# --- the model ------------------------------------------------------------------------------


MemberPath = tuple[str, ...]


def _sensitive_paths(shape: Shape, path: MemberPath, seen: frozenset[str]) -> list[MemberPath]:
    if shape.serialization.get("sensitive") or shape.metadata.get("sensitive"):
        return [path]  # everything below is hidden with it
    if shape.name in seen:
        return []
    seen = seen | {shape.name}
    found: list[MemberPath] = []
    if isinstance(shape, StructureShape):
        for name, member in shape.members.items():
            found += _sensitive_paths(member, (*path, name), seen)
    elif isinstance(shape, ListShape):
        found += _sensitive_paths(shape.member, path, seen)
    elif isinstance(shape, MapShape):
        found += _sensitive_paths(shape.value, path, seen)
    return found


def handler_operations() -> list[str]:
    """The Clean Rooms ML operations the handler's source calls."""
    model = botocore.session.get_session().get_service_model("cleanroomsml", "2023-09-06")
    source = "".join(path.read_text() for path in HANDLER_SOURCE.rglob("*.py"))
    return [op for op in model.operation_names if f".{botocore.xform_name(op)}(" in source]


def test_every_member_the_model_marks_sensitive_is_a_redacted_property_path() -> None:
    model = botocore.session.get_session().get_service_model("cleanroomsml", "2023-09-06")
    operations = handler_operations()
    assert {"StartAudienceGenerationJob", "GetAudienceGenerationJob"} <= set(operations)
    found: dict[str, list[MemberPath]] = {}
    for name in operations:
        operation = model.operation_model(name)
        for shape in (operation.input_shape, operation.output_shape):
            if shape is not None:
                found.setdefault(name, []).extend(_sensitive_paths(shape, (), frozenset()))
    # The template spells the model's members with a capital first letter.
    as_properties = {
        tuple(part[:1].upper() + part[1:] for part in path)
        for paths in found.values()
        for path in paths
    }
    assert ("SeedAudience", "SqlParameters") in as_properties  # what this test is about
    for path in as_properties:
        assert any(path[: len(p)] == p for p in redaction.SENSITIVE_PATHS), path


# --- redacted_event -------------------------------------------------------------------------


def test_the_query_text_is_redacted_in_new_and_old_properties_and_the_original_is_untouched() -> (
    None
):
    event = job_event(
        "Update",
        query_properties(),
        physical_id="arn:job",
        old=query_properties("SELECT 1 FROM old_table_0d4e2f"),
    )
    original = copy.deepcopy(event)

    shown = redacted_event(event)

    assert event == original
    assert shown["ResourceProperties"]["SeedAudience"]["SqlParameters"] == {"QueryString": REDACTED}
    assert shown["OldResourceProperties"]["SeedAudience"]["SqlParameters"] == {
        "QueryString": REDACTED
    }
    assert shown["ResponseURL"] == REDACTED
    # Everything else is shown as it was.
    assert (
        shown["ResourceProperties"]["SeedAudience"]["RoleArn"]
        == (event["ResourceProperties"]["SeedAudience"]["RoleArn"])
    )
    assert shown["ResourceProperties"]["Name"] == "q4-lookalikes"
    text = dumped(shown)
    assert "seed_table_5e8b2a" not in text
    assert "old_table_0d4e2f" not in text


def test_parameter_values_are_redacted_their_names_kept_short_ones_too() -> None:
    event = job_event("Create", template_properties({**PARAMETERS, **SHORT}))

    sql = redacted_event(event)["ResourceProperties"]["SeedAudience"]["SqlParameters"]

    assert sql == {
        "AnalysisTemplateArn": REDACTED,  # the model marks the whole sqlParameters sensitive
        "Parameters": {name: REDACTED for name in [*PARAMETERS, *SHORT]},
    }


def test_a_hand_over_payload_and_a_signal_url_are_redacted_alike() -> None:
    props = {**template_properties(), "CompletionSignalUrl": SIGNAL_URL}
    payload = {**job_event("Create", props), "AudienceExportContinuation": {"Phase": "job"}}

    shown = redacted_event(payload)

    assert shown["AudienceExportContinuation"] == {"Phase": "job"}
    assert shown["ResourceProperties"]["CompletionSignalUrl"] == REDACTED
    text = dumped(shown)
    for secret in (*PARAMETERS.values(), TEMPLATE_ARN, SIGNAL_URL, payload["ResponseURL"]):
        assert secret not in text
    assert "audience_segment" in text


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT secret_0a9f77",  # not an object: hidden whole
        ["secret_0a9f77"],
        {"QueryString": {"nested": ["secret_0a9f77", 987654321]}},
    ],
)
def test_malformed_sql_parameters_are_hidden_whatever_their_shape(sql: object) -> None:
    props = job_properties(SeedAudience={"RoleArn": "r", "SqlParameters": sql})

    text = dumped(redacted_event(job_event("Create", props)))

    assert "secret_0a9f77" not in text
    assert "987654321" not in text


def test_a_key_spelt_in_another_case_is_hidden_too() -> None:
    props = job_properties(
        SeedAudience={"RoleArn": "r", "sqlParameters": {"queryString": "SELECT secret_55aa11"}}
    )

    assert "secret_55aa11" not in dumped(redacted_event(job_event("Create", props)))
    assert secrets_of(job_event("Create", props))[-1] == "SELECT secret_55aa11"


def test_an_event_without_a_sql_seed_is_unchanged_but_for_its_urls() -> None:
    event = job_event("Create", job_properties())
    shown = redacted_event(event)
    assert shown == {**event, "ResponseURL": REDACTED}


# --- secrets_of -----------------------------------------------------------------------------


def test_secrets_are_the_urls_and_the_sql_values_of_four_characters_or_more() -> None:
    new = {
        **template_properties({**PARAMETERS, **SHORT, "n": 2024}),
        "CompletionSignalUrl": SIGNAL_URL,
    }
    event = job_event("Update", new, physical_id="arn:job", old=query_properties())

    secrets = secrets_of(event)

    assert secrets[:2] == [event["ResponseURL"], SIGNAL_URL]
    assert set(secrets[2:]) == {TEMPLATE_ARN, *PARAMETERS.values(), "2024", QUERY}
    assert "US" not in secrets
    assert "1" not in secrets


def test_secrets_of_an_export_event_are_its_url_only() -> None:
    event = job_event("Create", job_properties())
    assert secrets_of(event) == [event["ResponseURL"]]
    assert secrets_of({}) == []
    assert secrets_of({"ResponseURL": 7, "ResourceProperties": "nonsense"}) == []


# --- the filter -----------------------------------------------------------------------------


class Texts(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.texts: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record))


@pytest.fixture
def runtime_handler() -> Iterator[Texts]:
    """The only root handler while the test runs, present at install time like the Lambda
    runtime's (pytest's own capture handlers are set aside: a handler's filter edits the record
    every later handler gets)."""
    handler = Texts()
    saved, level = logging.root.handlers[:], logging.root.level
    logging.root.handlers = [handler]
    logging.root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logging.root.handlers = saved
        logging.root.setLevel(level)


def installed(*secrets: str) -> RedactingFilter:
    hider = RedactingFilter()
    hider.install()
    hider.watch(*secrets)
    return hider


def uninstall(hider: RedactingFilter) -> None:
    for name in redaction.REDACTED_LOGGERS:
        logging.getLogger(name).removeFilter(hider)
    for handler in logging.root.handlers:
        handler.removeFilter(hider)


def test_the_filter_hides_secrets_in_records_of_any_logger_on_the_runtimes_handler(
    runtime_handler: Texts,
) -> None:
    hider = installed("segment-7f3a9c", QUERY)
    try:
        logging.getLogger("some.library.anywhere").warning("saw %s", "x segment-7f3a9c y")
        logging.getLogger("thirdparty.http").debug("body: %r", QUERY.encode())
        logging.getLogger("cleanrooms_ml_provider.index").info(
            "event: %s", json.dumps({"q": QUERY})
        )
    finally:
        uninstall(hider)
    assert runtime_handler.texts == [
        f"some.library.anywhere WARNING saw x {REDACTED} y",
        f'thirdparty.http DEBUG body: b"{REDACTED}"',  # repr quotes it with " (it holds ')
        f'cleanrooms_ml_provider.index INFO event: {{"q": "{REDACTED}"}}',
    ]


def test_the_named_loggers_are_filtered_for_handlers_added_after_install(
    runtime_handler: Texts,
) -> None:
    logging.root.handlers = []  # none at install time
    hider = installed("segment-7f3a9c")
    logging.root.handlers = [runtime_handler]
    try:
        for name in redaction.REDACTED_LOGGERS:
            logging.getLogger(name).error("body: %s", "segment-7f3a9c")
        logging.getLogger("some.other").error("segment-7f3a9c")
    finally:
        uninstall(hider)
    assert runtime_handler.texts == [
        *(f"{name} ERROR body: {REDACTED}" for name in redaction.REDACTED_LOGGERS),
        "some.other ERROR segment-7f3a9c",  # seen by no filter: why the runtime's handler has it
    ]


def test_encoded_and_quoted_forms_are_hidden(runtime_handler: Texts) -> None:
    secret = "WHERE name = 'o\"k' AND\nnote = 'é'"
    once = json.dumps({"queryString": secret})
    twice = json.dumps({"Input": json.dumps({"QueryString": secret})})
    hider = installed(secret)
    try:
        log = logging.getLogger("anywhere")
        log.warning("%s", secret)
        log.warning("%s", once)
        log.warning("%s", twice)
        log.warning("%r", {"body": once.encode()})  # botocore's request dict
        log.warning("%r", {"body": twice.encode("utf-8")})
        log.warning("%r", [secret])
    finally:
        uninstall(hider)
    for text in runtime_handler.texts:
        assert "o\\" not in text and "AND" not in text, text
        assert REDACTED in text


def test_watch_replaces_the_secrets_and_hides_a_urls_signed_query(runtime_handler: Texts) -> None:
    url = "https://responses.example/path?X-Amz-Signature=abcdef0123"
    hider = installed(url)
    try:
        log = logging.getLogger("anywhere")
        log.warning("query %s", "X-Amz-Signature=abcdef0123")
        hider.watch("segment-7f3a9c")
        log.warning("%s %s", url, "segment-7f3a9c")
        hider.watch()
        log.warning("segment-7f3a9c")
    finally:
        uninstall(hider)
    assert runtime_handler.texts == [
        f"anywhere WARNING query {REDACTED}",
        f"anywhere WARNING {url} {REDACTED}",
        "anywhere WARNING segment-7f3a9c",
    ]


def test_a_non_url_secret_adds_no_fragment_of_itself() -> None:
    hider = RedactingFilter()
    hider.watch("SELECT a FROM t WHERE b = ?)")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "(a) ? )", None, None)
    hider.filter(record)
    assert record.getMessage() == "(a) ? )"


def test_an_event_logged_as_a_dict_loses_its_sql_values_even_short_ones(
    runtime_handler: Texts,
) -> None:
    event = job_event("Create", template_properties({**PARAMETERS, **SHORT}))
    hider = installed()  # nothing watched yet: the structure is hidden all the same
    try:
        logging.getLogger("crhelper.resource_helper").debug(event)
        logging.getLogger("anywhere").debug("event %s", event)
    finally:
        uninstall(hider)
    for text in runtime_handler.texts:
        assert "segment-7f3a9c" not in text
        assert "'US'" not in text
        assert "'audience_segment': '<redacted>'" in text
        assert "'country': '<redacted>'" in text


def test_a_traceback_is_hidden(runtime_handler: Texts) -> None:
    hider = installed("segment-7f3a9c")
    try:
        try:
            raise ValueError("bad value segment-7f3a9c")
        except ValueError:
            logging.getLogger("anywhere").exception("failed")
    finally:
        uninstall(hider)
    [text] = runtime_handler.texts
    assert "segment-7f3a9c" not in text
    assert f"ValueError: bad value {REDACTED}" in text


def test_the_old_name_is_the_same_filter() -> None:
    assert ResponseUrlFilter is RedactingFilter
    assert isinstance(index.helper.redactor, RedactingFilter)


# --- the handler, botocore logging at DEBUG -------------------------------------------------


class Everything(Texts):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        super().emit(record)


@pytest.fixture
def botocore_debug(monkeypatch: pytest.MonkeyPatch) -> Iterator[Everything]:
    """LOG_LEVEL=DEBUG with botocore at DEBUG too (crhelper sets it to its ``boto_level``, ERROR
    by default); the capturing handler is on the root logger when the filter is installed, as
    the runtime's is."""
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    monkeypatch.setattr(index.helper, "_boto_level", "DEBUG")
    names = ("botocore", "boto3", "urllib3")
    levels = {name: logging.getLogger(name).level for name in names}
    handler = Everything()
    logging.root.addHandler(handler)
    index.helper.redactor.install()
    try:
        yield handler
    finally:
        handler.removeFilter(index.helper.redactor)
        logging.root.removeHandler(handler)
        logging.root.setLevel(logging.INFO)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def test_a_sql_seeded_job_lifecycle_logs_no_sql_value_even_in_botocore_debug(
    services: Services, botocore_debug: Everything
) -> None:
    jobs = serve_jobs(services, create_s=5.0, delete_s=5.0)  # one invocation each
    props = template_properties()

    created = invoke_handler(job_event("Create", props), services=services)
    assert created.response is not None
    assert created.response["Status"] == "SUCCESS", created.response["Reason"]
    arn = created.response["PhysicalResourceId"]
    deleted = invoke_handler(job_event("Delete", props, physical_id=arn), services=services)
    assert deleted.response is not None
    assert deleted.response["Status"] == "SUCCESS", deleted.response["Reason"]
    assert jobs.names() == []

    texts = botocore_debug.texts
    # botocore really printed the request and response bodies, and the event was logged.
    bodies = [t for t in texts if "botocore.endpoint DEBUG Making request" in t]
    assert any("StartAudienceGenerationJob" in t and "audience_segment" in t for t in bodies)
    responses = [t for t in texts if t.startswith("botocore.parsers DEBUG Response body")]
    assert any("audience_segment" in t for t in responses)  # Get shows the seed
    assert any('"audience_segment": "<redacted>"' in t for t in texts)  # the event line
    for text in texts:
        for secret in (*PARAMETERS.values(), TEMPLATE_ARN, "seed-template-3d9f1b"):
            assert secret not in text, text
