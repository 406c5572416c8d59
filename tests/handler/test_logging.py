"""The presigned ResponseURL never reaches a log record, at any level, from any logger."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from cdk_cleanrooms_ml._handler import index
from tests.handler.chains import run_chain
from tests.handler.local_cleanroomsml import serve_cleanroomsml
from tests.handler.services import Services
from tests.handler.support import cfn_event, invoke_handler, properties


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.records: list[logging.LogRecord] = []
        self.texts: list[str] = []
        self._format = logging.Formatter("%(name)s %(levelname)s %(message)s")

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.texts.append(self._format.format(record))


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> Iterator[Everything]:
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    handler = Everything()
    logging.root.addHandler(handler)
    try:
        yield handler
    finally:
        logging.root.removeHandler(handler)
        logging.root.setLevel(logging.INFO)


def test_no_record_contains_the_response_url(services: Services, captured: Everything) -> None:
    # ACTIVE after the first invocation's inline wait: a scheduled poll answers.
    serve_cleanroomsml(services, export_active_after_s=100.0)
    create = cfn_event("Create", properties())
    failing = cfn_event("Create", properties(size_value="lots"))
    delete = cfn_event("Delete", properties(), physical_id="Stack_Export_ABCDEFGH")

    chain = run_chain(services, create)  # hands over: the URL goes in a schedule's Input
    failed = invoke_handler(failing, services=services)
    deleted = invoke_handler(delete, services=services)

    assert chain.handed_over
    assert chain.response["Status"] == "SUCCESS"
    assert failed.response is not None
    assert failed.response["Status"] == "FAILED"
    assert deleted.response is not None
    assert deleted.response["Status"] == "SUCCESS"
    # DEBUG records were really captured, including those where crhelper prints the URL.
    levels = {record.levelno for record in captured.records}
    assert logging.DEBUG in levels
    assert any("response delivered (HTTP 200" in text for text in captured.texts)
    assert any("'ResponseURL': '<redacted>'" in text for text in captured.texts)
    assert any('"ResponseURL": "<redacted>"' in text for text in captured.texts)
    assert any(record.exc_info for record in captured.records)  # the failure's traceback
    for event in (create, failing, delete):
        url = event["ResponseURL"]
        signature = urlsplit(url).query.rsplit("X-Amz-Signature=", 1)[1]
        for text in captured.texts:
            assert url not in text
            assert signature not in text


def test_log_level_defaults_to_info_and_ignores_nonsense(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    invoke_handler(cfn_event("Delete", {}, physical_id="x"), services=services)
    assert logging.root.level == logging.INFO

    monkeypatch.setenv("LOG_LEVEL", "chatty")
    result = invoke_handler(cfn_event("Delete", {}, physical_id="x"), services=services)
    assert logging.root.level == logging.INFO
    assert result.response is not None
    assert result.response["Status"] == "SUCCESS"

    monkeypatch.setenv("LOG_LEVEL", "warning")
    invoke_handler(cfn_event("Delete", {}, physical_id="x"), services=services)
    assert logging.root.level == logging.WARNING
    assert index.helper is not None
