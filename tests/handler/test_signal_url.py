"""The completion signal's URL is a WaitConditionHandle of the event's own stack, or nothing is
PUT to it: any other URL would let a template make the provider send a job's attributes
anywhere (SSRF). The harness's own origin counts only when the function's environment names it.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import quote

import pytest

from cdk_cleanrooms_ml._handler.fields import common as common_fields
from cdk_cleanrooms_ml._handler.signal_url import LOCAL_ORIGIN_ENV, signal_url_problem
from tests.handler.generation_support import job_event, job_properties
from tests.handler.response_url import cloudformation
from tests.handler.services import Services
from tests.handler.support import ACCOUNT, STACK_ID, cfn_event, invoke_handler, properties

UUID: Final = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
SIGV4: Final = (
    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20260101T000000Z&X-Amz-Expires=86400"
    "&X-Amz-SignedHeaders=host&X-Amz-Credential=AKIDEXAMPLE%2F20260101%2Fus-east-1%2Fs3%2F"
    "aws4_request&X-Amz-Signature=5ec7e75ec7e75ec7e75ec7e7"
)
SIGV2: Final = "AWSAccessKeyId=AKIDEXAMPLE&Expires=1800086400&Signature=c2lnbmF0dXJlLXYy%3D"
SIGNATURE: Final = "5ec7e75ec7e75ec7e75ec7e7"
OTHER_STACK_ID: Final = (
    f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/OtherStack/"
    "99999999-8888-7777-6666-555544443333"
)
WEST_STACK_ID: Final = STACK_ID.replace("us-east-1", "us-west-2")
CN_STACK_ID: Final = (
    f"arn:aws-cn:cloudformation:cn-north-1:{ACCOUNT}:stack/ExportStack/"
    "5b6a1c2e-0000-1111-2222-333344445555"
)
GOV_STACK_ID: Final = (
    f"arn:aws-us-gov:cloudformation:us-gov-west-1:{ACCOUNT}:stack/ExportStack/"
    "5b6a1c2e-0000-1111-2222-333344445555"
)
LEGACY: Final = "cloudformation-waitcondition-us-east-1.s3.amazonaws.com"
REGIONAL: Final = "cloudformation-waitcondition-us-east-1.s3.us-east-1.amazonaws.com"
DASH: Final = "cloudformation-waitcondition-us-east-1.s3-us-east-1.amazonaws.com"
CN_HOST: Final = "cloudformation-waitcondition-cn-north-1.s3.cn-north-1.amazonaws.com.cn"


def handle_path(stack_id: str = STACK_ID, logical_id: str = "Handle", uuid: bool = True) -> str:
    """``/<stack id, its colons escaped>/[<uuid>/]<logical id>``, as CloudFormation writes it."""
    middle = f"{UUID}/" if uuid else ""
    return f"/{quote(stack_id, safe='/')}/{middle}{logical_id}"


def url(
    host: str = LEGACY, path: str | None = None, query: str = SIGV4, scheme: str = "https"
) -> str:
    return f"{scheme}://{host}{handle_path() if path is None else path}?{query}"


@pytest.fixture(autouse=True)
def no_local_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    # As in AWS: no origin but CloudFormation's, unless a test names the harness's.
    monkeypatch.delenv(LOCAL_ORIGIN_ENV, raising=False)


# --- real handle URLs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("handle", "stack_id"),
    [
        (url(LEGACY), STACK_ID),
        (url(REGIONAL), STACK_ID),
        (url(DASH), STACK_ID),
        (url(LEGACY, handle_path(uuid=False)), STACK_ID),
        (url(REGIONAL, handle_path(uuid=False), SIGV2), STACK_ID),
        (url(LEGACY, query=SIGV2), STACK_ID),
        (url(LEGACY.upper()), STACK_ID),
        (url(f"{DASH}:443"), STACK_ID),
        (url(LEGACY, handle_path(logical_id="H" * 255)), STACK_ID),
        (url(CN_HOST, handle_path(CN_STACK_ID)), CN_STACK_ID),
        (url(CN_HOST, handle_path(CN_STACK_ID, uuid=False), SIGV2), CN_STACK_ID),
        (
            url(
                "cloudformation-waitcondition-cn-north-1.s3.amazonaws.com.cn",
                handle_path(CN_STACK_ID),
            ),
            CN_STACK_ID,
        ),
        (
            url(
                "cloudformation-waitcondition-us-gov-west-1.s3-us-gov-west-1.amazonaws.com",
                handle_path(GOV_STACK_ID),
            ),
            GOV_STACK_ID,
        ),
        # Unescaped colons name the same key.
        (url(LEGACY, f"/{STACK_ID}/{UUID}/Handle"), STACK_ID),
    ],
    ids=[
        "legacy",
        "regional",
        "dash",
        "no-uuid",
        "regional-no-uuid-sigv2",
        "sigv2",
        "upper-case-host",
        "port-443",
        "longest-logical-id",
        "aws-cn",
        "aws-cn-no-uuid-sigv2",
        "aws-cn-legacy",
        "aws-us-gov-dash",
        "unescaped-colons",
    ],
)
def test_a_handle_url_of_this_stack_is_accepted(handle: str, stack_id: str) -> None:
    assert signal_url_problem(handle, stack_id) is None


# --- anything else ------------------------------------------------------------------------

# (id, URL): each for the tests' stack (us-east-1, aws) unless the id says otherwise.
FOREIGN: Final = [
    ("other-host", url("audience-sink.example.com")),
    ("other-aws-bucket", url("my-bucket.s3.amazonaws.com")),
    ("ipv4", url("203.0.113.7")),
    ("ipv4-loopback", url("127.0.0.1")),
    ("metadata", "https://169.254.169.254/latest/meta-data/iam/security-credentials/?" + SIGV4),
    ("metadata-handle-path", url("169.254.169.254")),
    ("ipv6", url("[::1]")),
    ("ipv6-metadata", url("[fd00:ec2::254]")),
    ("localhost", url("localhost")),
    ("lookalike-suffix", url(f"{LEGACY}.evil.example")),
    ("lookalike-prefix", url(f"evil-{LEGACY}")),
    ("lookalike-region", url("cloudformation-waitcondition-us-east-1.s3.evil-1.amazonaws.com")),
    ("trailing-dot", url(f"{LEGACY}.")),
    ("userinfo", url(f"user:secret@{LEGACY}")),
    ("userinfo-host-is-evil", url(f"{LEGACY}@evil.example")),
    ("port-8443", url(f"{LEGACY}:8443")),
    ("port-80", url(f"{LEGACY}:80")),
    ("http", url(scheme="http")),
    ("ftp", url(scheme="ftp")),
    ("other-stack", url(LEGACY, handle_path(OTHER_STACK_ID))),
    ("other-region-host", url("cloudformation-waitcondition-us-west-2.s3.amazonaws.com")),
    (
        "other-region-stack",
        url("cloudformation-waitcondition-us-west-2.s3.amazonaws.com", handle_path(WEST_STACK_ID)),
    ),
    ("cn-suffix-for-aws", url(f"{LEGACY}.cn")),
    ("no-signature", url(query="X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20260101T000000Z")),
    ("signature-no-algorithm", url(query=f"X-Amz-Signature={SIGNATURE}")),
    ("empty-signature", url(query="X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=")),
    ("sigv2-signature-alone", url(query="Signature=abc")),
    ("no-query", url(query="").rstrip("?")),
    ("traversal", url(LEGACY, handle_path() + "/../../../other/Handle")),
    ("traversal-escaped", url(LEGACY, handle_path() + "/%2E%2E/%2E%2E/x")),
    ("traversal-before", url(LEGACY, "/../" + handle_path().lstrip("/"))),
    ("double-escaped", url(LEGACY, "/" + quote(quote(STACK_ID, safe="/"), safe="/") + "/Handle")),
    ("logical-id-not-alnum", url(LEGACY, handle_path(logical_id="Handle-1"))),
    ("logical-id-too-long", url(LEGACY, handle_path(logical_id="H" * 256))),
    ("no-logical-id", url(LEGACY, handle_path(logical_id=""))),
    ("extra-segment", url(LEGACY, handle_path() + "/More")),
    ("fragment", url() + "#frag"),
    ("backslash", url(f"{LEGACY}\\@evil.example")),
    ("newline", url(LEGACY, handle_path() + "\n")),
    ("tab", url(f"{LEGACY}\t")),
    ("space", url(LEGACY, handle_path(logical_id="Han dle"))),
    ("non-ascii", url(LEGACY.replace("a", "\u0430", 1))),
    ("too-long", url(query=SIGV4 + "&x=" + "a" * 4096)),
    ("not-a-url", "cloudformation-waitcondition-us-east-1.s3.amazonaws.com/Handle"),
]


def test_the_foreign_matrix_is_wide() -> None:
    assert len(FOREIGN) >= 12
    assert len({case_id for case_id, _ in FOREIGN}) == len(FOREIGN)


@pytest.mark.parametrize("foreign", [u for _, u in FOREIGN], ids=[i for i, _ in FOREIGN])
def test_any_other_url_is_refused_without_being_echoed(foreign: str) -> None:
    problem = signal_url_problem(foreign, STACK_ID)

    assert problem is not None
    assert problem.startswith("must be the Ref of an AWS::CloudFormation::WaitConditionHandle")
    assert foreign not in problem
    assert SIGNATURE not in problem
    assert "evil" not in problem
    assert "example" not in problem


@pytest.mark.parametrize(
    ("handle", "stack_id"),
    [
        (url(f"{CN_HOST[: -len('.cn')]}", handle_path(CN_STACK_ID)), CN_STACK_ID),
        (url(f"{LEGACY}.cn"), STACK_ID),
        (url(CN_HOST.replace("cn-north-1", "us-east-1"), handle_path()), STACK_ID),
        (url(REGIONAL, handle_path(GOV_STACK_ID)), GOV_STACK_ID),
    ],
    ids=["aws-suffix-in-aws-cn", "cn-suffix-in-aws", "cn-form-in-aws", "aws-region-in-gov"],
)
def test_a_handle_of_another_partition_or_region_is_refused(handle: str, stack_id: str) -> None:
    problem = signal_url_problem(handle, stack_id)
    assert problem is not None
    assert "this stack's region and partition" in problem


@pytest.mark.parametrize(
    "stack_id",
    [
        "",
        "not-an-arn",
        STACK_ID.replace(":stack/", ":changeSet/"),
        STACK_ID.replace("aws", "aws-iso"),
    ],
    ids=["empty", "not-an-arn", "not-a-stack", "unsupported-partition"],
)
def test_without_a_stack_arn_nothing_is_accepted(stack_id: str) -> None:
    problem = signal_url_problem(url(), stack_id)
    assert problem is not None
    assert problem.startswith("cannot be checked: the event's StackId")


# --- the offline harness's origin ----------------------------------------------------------


def test_the_harness_origin_counts_only_when_the_environment_names_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    side = cloudformation()
    handle = side.handle_url(STACK_ID, "Handle")
    assert handle.startswith(f"{side.origin}/cloudformation-waitcondition-us-east-1/")

    assert signal_url_problem(handle, STACK_ID) is not None
    monkeypatch.setenv(LOCAL_ORIGIN_ENV, side.origin)
    assert signal_url_problem(handle, STACK_ID) is None
    # Another origin named, or none that parses: back to AWS's hosts only.
    host, port = side.origin.rsplit(":", 1)
    monkeypatch.setenv(LOCAL_ORIGIN_ENV, f"{host}:{int(port) + 1}")
    assert signal_url_problem(handle, STACK_ID) is not None
    monkeypatch.setenv(LOCAL_ORIGIN_ENV, side.origin.replace("https", "http"))
    assert signal_url_problem(handle, STACK_ID) is not None


def test_under_the_harness_origin_the_same_stack_region_and_signature_rules_hold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    side = cloudformation()
    monkeypatch.setenv(LOCAL_ORIGIN_ENV, side.origin)
    good = side.handle_url(STACK_ID, "Handle")
    bucket = "/cloudformation-waitcondition-us-east-1"
    path = handle_path()

    assert signal_url_problem(f"{side.origin}{bucket}{path}?{SIGV2}", STACK_ID) is None
    assert (
        signal_url_problem(f"{side.origin}{bucket}{handle_path(uuid=False)}?{SIGV4}", STACK_ID)
        is None
    )
    refused = [
        side.handle_url(OTHER_STACK_ID, "Handle"),  # another stack's handle
        good.replace("-us-east-1/", "-us-west-2/"),  # another region's bucket
        f"{side.origin}{path}?{SIGV4}",  # virtual-hosted form: no bucket in the path
        f"{side.origin}{bucket}{path}",  # not presigned
        f"{side.origin}{bucket}/../evil{path}?{SIGV4}",
        good.replace("https://", "https://user@"),
        good.replace("https://", "http://"),
        good + "#x",
    ]
    for foreign in refused:
        assert signal_url_problem(foreign, STACK_ID) is not None, foreign
    # The harness's origin takes no AWS handle's virtual host either.
    assert signal_url_problem(f"{side.origin}/{LEGACY}{path}?{SIGV4}", STACK_ID) is not None


def test_the_origin_is_read_at_every_check(monkeypatch: pytest.MonkeyPatch) -> None:
    side = cloudformation()
    handle = side.handle_url(STACK_ID, "Handle")
    monkeypatch.setenv(LOCAL_ORIGIN_ENV, side.origin)
    assert signal_url_problem(handle, STACK_ID) is None
    monkeypatch.delenv(LOCAL_ORIGIN_ENV)
    assert signal_url_problem(handle, STACK_ID) is not None


# --- the handler ----------------------------------------------------------------------------


def foreign_urls() -> list[str]:
    # A handle of another stack on the test's own server (a PUT to it would be recorded),
    # and the instance metadata address.
    return [
        cloudformation().handle_url(OTHER_STACK_ID, "Handle"),
        url("169.254.169.254"),
    ]


@pytest.mark.parametrize("which", [0, 1], ids=["other-stack-handle", "metadata-address"])
def test_an_update_to_a_foreign_url_fails_naming_the_field_and_puts_nothing(
    services: Services, which: int
) -> None:
    foreign = foreign_urls()[which]
    good = cloudformation().handle_url(STACK_ID, "Handle")
    timeout = common_fields.KEY_SIGNAL_TIMEOUT
    old = job_properties(**{common_fields.KEY_SIGNAL_URL: good, timeout: "43200"})
    new = job_properties(**{common_fields.KEY_SIGNAL_URL: foreign, timeout: "43200"})
    arn = f"arn:aws:cleanrooms-ml:us-east-1:{ACCOUNT}:audience-generation-job/job-1"

    # The stubbed clients expect no call: any call at all would fail the test on its own.
    result = invoke_handler(job_event("Update", new, physical_id=arn, old=old), services=services)

    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    assert result.response["Reason"].startswith(
        f"{common_fields.KEY_SIGNAL_URL}: must be the Ref of"
    )
    assert foreign not in result.response["Reason"]
    assert result.operations == []
    assert cloudformation().bodies_for(foreign) == []
    assert cloudformation().bodies_for(good) == []


def test_an_export_with_a_foreign_url_fails_before_any_call(services: Services) -> None:
    foreign = foreign_urls()[0]
    props = properties(
        **{common_fields.KEY_SIGNAL_URL: foreign, common_fields.KEY_SIGNAL_TIMEOUT: "7200"}
    )

    result = invoke_handler(cfn_event("Create", props), services=services)

    assert result.response is not None
    assert result.response["Status"] == "FAILED"
    assert result.response["Reason"].startswith(f"{common_fields.KEY_SIGNAL_URL}: ")
    assert result.operations == []
    assert cloudformation().bodies_for(foreign) == []
