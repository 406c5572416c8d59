"""Reading assemblies and resolving intrinsic functions the way CloudFormation does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cdk_cleanrooms_ml.local.cloudformation.assembly import (
    StackTemplate,
    construct_label,
    function_code_dir,
    load_assembly,
    load_stack,
    load_template_file,
)
from cdk_cleanrooms_ml.local.cloudformation.dependencies import dependency_order
from cdk_cleanrooms_ml.local.cloudformation.exceptions import TemplateError
from cdk_cleanrooms_ml.local.cloudformation.intrinsics import (
    NO_VALUE,
    ResolveContext,
    Resolver,
    stringify,
)
from cdk_cleanrooms_ml.local.cloudformation.parameters import resolve_parameters
from cdk_cleanrooms_ml.resource_types import RESOURCE_TYPE
from tests.local.support import export_properties, write_assembly

TEMPLATE: dict[str, Any] = {
    "Parameters": {
        "Size": {"Type": "Number", "Default": 20, "MinValue": 1, "MaxValue": 100},
        "Env": {"Type": "String", "AllowedValues": ["dev", "prod"], "Default": "dev"},
        "Names": {"Type": "CommaDelimitedList", "Default": "a,b,c"},
        "Required": {"Type": "String"},
    },
    "Mappings": {"Sizes": {"dev": {"Value": 10}, "prod": {"Value": 50}}},
    "Conditions": {
        "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
        "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
        "Both": {"Fn::And": [{"Condition": "IsProd"}, {"Condition": "NotProd"}]},
    },
    "Resources": {
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {}},
        "Export": {"Type": RESOURCE_TYPE, "Properties": {}},
    },
}


def resolver(parameters: dict[str, Any] | None = None, **context: Any) -> Resolver:
    given = {"Required": "x", **(parameters or {})}
    settings: dict[str, Any] = {
        "stack_name": "Demo",
        "stack_id": "arn:aws:cloudformation:us-east-1:111122223333:stack/Demo/guid",
        "region": "us-east-1",
        "account": "111122223333",
        "parameters": resolve_parameters(TEMPLATE, given),
        "exports": {"ProviderToken": "arn:aws:lambda:us-east-1:111122223333:function:provider"},
        "ref": lambda logical_id: f"{logical_id}-physical",
        "get_att": lambda logical_id, attribute: f"{logical_id}.{attribute}",
    }
    settings.update(context)
    return Resolver(TEMPLATE, ResolveContext(**settings))


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ({"Ref": "Size"}, "20"),
        ({"Ref": "Names"}, ["a", "b", "c"]),
        ({"Ref": "AWS::Region"}, "us-east-1"),
        ({"Ref": "AWS::AccountId"}, "111122223333"),
        ({"Ref": "AWS::StackName"}, "Demo"),
        ({"Ref": "AWS::Partition"}, "aws"),
        ({"Ref": "Fn"}, "Fn-physical"),
        ({"Fn::GetAtt": ["Export", "Status"]}, "Export.Status"),
        ({"Fn::GetAtt": "Export.OutputLocation"}, "Export.OutputLocation"),
        ({"Fn::Join": ["/", ["a", {"Ref": "Size"}, 3]]}, "a/20/3"),
        (
            {"Fn::Sub": "${AWS::Region}-${Size}-${Export.Name}-${!Literal}"},
            "us-east-1-20-Export.Name-${Literal}",
        ),
        ({"Fn::Sub": ["${Greeting}, ${Env}", {"Greeting": {"Ref": "Size"}}]}, "20, dev"),
        ({"Fn::Select": [1, {"Ref": "Names"}]}, "b"),
        ({"Fn::Select": ["0", {"Fn::Split": [":", "x:y"]}]}, "x"),
        (
            {"Fn::ImportValue": "ProviderToken"},
            "arn:aws:lambda:us-east-1:111122223333:function:provider",
        ),
        ({"Fn::ImportValue": {"Fn::Sub": "Provider${!x}"}}, None),
        ({"Fn::If": ["IsProd", "big", "small"]}, "small"),
        ({"Fn::If": ["NotProd", {"Ref": "AWS::NoValue"}, "x"]}, NO_VALUE),
        ({"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Value"]}, 10),
        ({"Fn::Base64": "hi"}, "aGk="),
        ({"Fn::ToJsonString": {"a": [1]}}, '{"a":[1]}'),
        ({"Key": {"Ref": "AWS::NoValue"}, "Other": 1}, {"Other": 1}),
    ],
)
def test_intrinsics(expression: dict[str, Any], expected: object) -> None:
    if expected is None:
        with pytest.raises(TemplateError, match="No export named Provider") as caught:
            resolver().resolve(expression)
        # Only flags that exist are suggested.
        assert "--exports" not in str(caught.value)
        assert "with the same --state-dir" in str(caught.value)
        return
    assert resolver().resolve(expression) == expected


def test_conditions_follow_parameters() -> None:
    prod = resolver({"Env": "prod"})
    assert prod.resolve({"Fn::If": ["IsProd", "big", "small"]}) == "big"
    assert prod.condition("Both") is False
    assert prod.resolve({"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Value"]}) == 50


def test_stringify_is_what_a_custom_resource_receives() -> None:
    props = {
        "Value": 20,
        "Ratio": 0.5,
        "Wait": True,
        "Off": False,
        "List": [1, "a"],
        "Nested": {"N": 3},
    }
    assert stringify(props) == {
        "Value": "20",
        "Ratio": "0.5",
        "Wait": "true",
        "Off": "false",
        "List": ["1", "a"],
        "Nested": {"N": "3"},
    }


@pytest.mark.parametrize(
    ("given", "needle"),
    [
        ({}, "parameter Required has no value"),
        ({"Required": "x", "Size": "abc"}, "is not a Number"),
        ({"Required": "x", "Size": "101"}, "above MaxValue"),
        ({"Required": "x", "Env": "qa"}, "AllowedValues"),
        ({"Required": "x", "Typo": "1"}, "no parameter Typo"),
    ],
)
def test_parameter_errors(given: dict[str, str], needle: str) -> None:
    with pytest.raises(TemplateError, match=needle):
        resolve_parameters(TEMPLATE, given)


def test_unresolvable_references_are_errors() -> None:
    with pytest.raises(TemplateError, match="Ref Nope"):
        resolver().resolve({"Ref": "Nope"})
    with pytest.raises(TemplateError, match="no resource Nope"):
        resolver().resolve({"Fn::GetAtt": ["Nope", "Arn"]})
    with pytest.raises(TemplateError, match="out of range"):
        resolver().resolve({"Fn::Select": [5, ["a"]]})


def test_dependency_order_follows_refs_getatts_subs_and_depends_on() -> None:
    template: dict[str, Any] = {
        "Resources": {
            "C": {"Type": "T", "Properties": {"X": {"Fn::Sub": "${B.Name}"}}},
            "B": {"Type": "T", "Properties": {"X": {"Fn::GetAtt": ["A", "Arn"]}}},
            "A": {"Type": "T", "DependsOn": "D"},
            "D": {"Type": "T"},
        }
    }
    assert dependency_order(template) == ["D", "A", "B", "C"]
    template["Resources"]["D"]["Properties"] = {"X": {"Ref": "C"}}
    with pytest.raises(TemplateError, match="circular dependency"):
        dependency_order(template)


def test_assembly_asset_found_from_s3_key_without_asset_metadata(tmp_path: Path) -> None:
    asset_source = tmp_path / "src"
    (asset_source / "pkg").mkdir(parents=True)
    app = write_assembly(
        tmp_path / "cdk.out",
        "Demo",
        {"Res": {"Type": RESOURCE_TYPE, "Properties": export_properties()}},
        asset_source=asset_source,
    )
    stack = load_stack(app)
    code = stack.resources["ProviderFunction"]["Properties"]["Code"]
    found = function_code_dir(stack, "ProviderFunction", code)
    assert found.parent == app
    assert found.name.startswith("asset.")
    assert (found / "pkg").is_dir()
    # Without the asset manifest, the <hash>.zip -> asset.<hash> convention still finds it.
    (app / "Demo.assets.json").unlink()
    assert function_code_dir(load_stack(app), "ProviderFunction", code) == found


def test_asset_metadata_wins_and_missing_assets_are_explained(tmp_path: Path) -> None:
    (tmp_path / "asset.meta").mkdir()
    stack = StackTemplate(
        name="S",
        template={
            "Resources": {
                "F": {
                    "Type": "AWS::Lambda::Function",
                    "Metadata": {"aws:asset:path": "asset.meta", "aws:asset:property": "Code"},
                }
            }
        },
        base_dir=tmp_path,
        source=tmp_path / "S.template.json",
    )
    assert function_code_dir(stack, "F", {"S3Key": "other.zip"}) == tmp_path / "asset.meta"
    stack.template["Resources"]["F"]["Metadata"] = {}
    with pytest.raises(TemplateError, match=r"asset directory .*asset\.gone is missing"):
        function_code_dir(stack, "F", {"S3Key": "gone.zip"})
    with pytest.raises(TemplateError, match="inline ZipFile"):
        function_code_dir(stack, "F", {"ZipFile": "def handler(e, c): pass"})


def test_assembly_errors(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="cdk synth"):
        load_assembly(tmp_path / "cdk.out")
    (tmp_path / "empty").mkdir()
    with pytest.raises(TemplateError, match=r"no manifest\.json"):
        load_assembly(tmp_path / "empty")
    app = write_assembly(tmp_path / "two", "One", {})
    manifest = json.loads((app / "manifest.json").read_text())
    manifest["artifacts"]["Two"] = {**manifest["artifacts"]["One"], "displayName": "Two"}
    (app / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(TemplateError, match="choose one with --stack: One, Two"):
        load_stack(app)
    with pytest.raises(TemplateError, match="'Three' is not in"):
        load_stack(app, "Three")
    assert load_stack(app, "Two").name == "Two"


def test_yaml_template_with_short_form_tags(tmp_path: Path) -> None:
    path = tmp_path / "export.yaml"
    path.write_text(
        """AWSTemplateFormatVersion: 2010-09-09
Parameters:
  Size:
    Type: Number
    Default: 20
Resources:
  Export:
    Type: Custom::CleanRoomsMlAudienceExport
    Properties:
      ServiceToken: !ImportValue ProviderToken
      AudienceSize:
        Type: PERCENTAGE
        Value: !Ref Size
      Name: !Sub "${AWS::StackName}-export"
Outputs:
  Status:
    Value: !GetAtt Export.Status
""",
        encoding="utf-8",
    )
    stack = load_template_file(path, stack_name="Plain")
    assert stack.template["AWSTemplateFormatVersion"] == "2010-09-09"
    props = stack.resources["Export"]["Properties"]
    assert props["ServiceToken"] == {"Fn::ImportValue": "ProviderToken"}
    assert props["AudienceSize"]["Value"] == {"Ref": "Size"}
    assert stack.template["Outputs"]["Status"]["Value"] == {"Fn::GetAtt": ["Export", "Status"]}
    resolved = stringify(resolver(stack_name="Plain").resolve(props))
    assert resolved["Name"] == "Plain-export"
    assert resolved["ServiceToken"].endswith(":function:provider")


def test_construct_label_from_path_metadata(tmp_path: Path) -> None:
    def stack(path: str | None) -> StackTemplate:
        metadata = {"aws:cdk:path": path} if path else {}
        resource = {"Type": RESOURCE_TYPE, "Metadata": metadata}
        return StackTemplate("S", {"Resources": {"R": resource}}, tmp_path, tmp_path / "t")

    assert construct_label(stack("S/Q4Lookalikes/Resource/Default"), "R") == "Q4Lookalikes"
    assert construct_label(stack("S/Team/Export/Default"), "R") == "Team/Export"
    assert construct_label(stack(None), "R") == ""
