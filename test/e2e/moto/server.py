"""A local moto server for datasette-lambda's end-to-end tests (test code only, never shipped).

moto 5.2 deploys CloudFormation stacks by looking each resource type up among the
direct subclasses of its CloudFormationModel class (moto/cloudformation/parsing.py,
get_model_list/get_model_map). It has no model for several types our templates use
and skips them silently: a Ref to one becomes nothing, an Fn::GetAtt on one fails the
stack, and one in Outputs makes the server answer HTTP 500. So this launcher defines
small STAND-IN models for exactly those types, before moto first builds its (cached)
model map, and then starts moto's own server. The real templates deploy unchanged.

What differs from plain moto, each labelled where it is defined:
- stand-ins for API calls moto lacks: CloudFront's ListDistributionsByCachePolicyId
  (answered from the Distribution stand-ins) and Lambda's GetAccountSettings (from
  moto's functions' reserved concurrency);
- stand-ins for AWS::Lambda::Url, AWS::Lambda::Alias, AWS::CloudFront::{Distribution,
  OriginAccessControl,Function,CachePolicy}, AWS::S3::BucketPolicy and
  AWS::CertificateManager::Certificate (no moto model);
- replacements for moto's AWS::Lambda::LayerVersion and AWS::Lambda::Version models
  (broken Ref, no update, no delete);
- patch_condition_tag: `!Condition X` in YAML conditions (moto evaluates it as true);
- patch_sub_references: a parameter used only in a `!Sub` string counts as used (moto
  would not update a resource when only that parameter changed);
- patch_condition_references: likewise a parameter a resource uses only through a
  condition (`!If [WithCors, ...]`);
- patch_bucket_cors: AWS::S3::Bucket's CorsConfiguration is applied to the bucket (moto's
  model ignores it), and moto's server-wide CORS headers are off (MOTO_DISABLE_GLOBAL_CORS)
  so that only the bucket's rules answer;
- patch_create_failures: a resource that fails to create rolls the stack back to
  ROLLBACK_COMPLETE with a CREATE_FAILED event, instead of failing the CreateStack call;
- patch_atomic_conditional_puts: a PutObject with If-Match / If-None-Match is checked and
  written in one step, as S3 does (moto checks, then writes, without a lock);
- patch_atomic_stack_calls: a second CreateStack of an existing name is refused however
  close the two come, and reading a stack being created does not create its resources
  again (moto checks, then creates, without a lock, and creates resources lazily).

A stand-in only records its properties and returns plausible attributes. It cannot
prove CloudFront behaviour or Function URL auth; template tests and cfn-lint do that.
GET /_e2e/standins lists every stand-in resource created so far (deleted ones too),
with its properties, so tests can check what a template asked for. (moto's own
/moto-api/data.json cannot be used: it reads every attribute of every model, and a
Lambda function's docker_client attribute fails without Docker.)

Usage: python server.py [--port N] [--host 127.0.0.1] [--exit-on-stdin-eof] [--verbose]
Prints "READY <port>" on stdout once the server accepts connections. --port 0 (the
default, or $MOTO_PORT) picks a free port.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import signal
import string
import sys
import threading
from datetime import datetime, timezone
from typing import Any

# moto's server otherwise adds CORS headers to every answer (flask-cors, moto/moto_server/
# werkzeug_app.py), so a bucket's own CORS rules could not be told from them. Read by
# moto.settings at import.
os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"

# Importing parsing imports every moto service model that CloudFormation knows.
from moto.cloudformation import parsing  # noqa: E402
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException  # noqa: E402
from moto.core.common_models import CloudFormationModel  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server  # noqa: E402

# moto's model metaclass files each model class under the second dotted part of its
# module name (moto/core/base_backend.py, InstanceTrackerMeta); "__main__" has none.
STANDIN_MODULE = "e2e.standins"


def _random_id(prefix: str, length: int, alphabet: str) -> str:
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


def _cloudfront_id() -> str:
    # Shaped like a real one: "E" + 13 upper-case letters and digits.
    return _random_id("E", 13, string.ascii_uppercase + string.digits)


class _StandIn:
    """What every stand-in shares: records properties, answers Ref and Fn::GetAtt.

    Subclasses also list CloudFormationModel as a DIRECT base, because moto only
    looks at CloudFormationModel.__subclasses__(), not at deeper descendants.
    """

    TYPE = ""
    ATTRIBUTES: tuple[str, ...] = ()

    def __init__(self, stack_id: str, logical_id: str, properties: dict[str, Any], region: str, account_id: str):
        self.stack_id = stack_id
        self.logical_id = logical_id
        self.properties = properties
        self.region = region
        self.account_id = account_id
        self.deleted = False
        self.update_count = 0
        self.attributes: dict[str, str] = {}
        self.ref = ""

    # --- CloudFormationModel interface -------------------------------------------------

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> "_StandIn":
        resource = cls(
            kwargs.get("StackId", ""),
            kwargs.get("LogicalId", resource_name),
            cloudformation_json.get("Properties", {}),
            region_name,
            account_id,
        )
        resource.assign_identity(resource_name)
        return resource

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: "_StandIn",
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> "_StandIn":
        # Updated in place: the id and attributes stay, as for the real types' usual updates.
        original_resource.properties = cloudformation_json.get("Properties", {})
        original_resource.update_count += 1
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        pass

    def delete(self, account_id: str, region_name: str) -> None:
        self.deleted = True

    def is_created(self) -> bool:
        return True

    @property
    def physical_resource_id(self) -> str:
        return self.ref

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name in self.attributes:
            return self.attributes[attribute_name]
        raise UnformattedGetAttTemplateException()

    # --- per type ----------------------------------------------------------------------

    def assign_identity(self, resource_name: str) -> None:
        """Set self.ref and self.attributes."""
        raise NotImplementedError


class LambdaUrl(_StandIn, CloudFormationModel):
    """Test stand-in: moto has no model for AWS::Lambda::Url; this only records properties
    and returns plausible attributes (FunctionUrl, FunctionArn, qualified by the alias when
    there is a Qualifier; Ref is that ARN). As in CloudFormation, a changed TargetFunctionArn
    or Qualifier (create-only) replaces the URL: a new address. moto's own Lambda backend is
    not told, so GetFunctionUrlConfig knows nothing of it."""

    __module__ = STANDIN_MODULE
    TYPE = "AWS::Lambda::Url"
    ATTRIBUTES = ("FunctionUrl", "FunctionArn")
    CREATE_ONLY = ("TargetFunctionArn", "Qualifier")

    def assign_identity(self, resource_name: str) -> None:
        url_id = _random_id("", 32, string.ascii_lowercase + string.digits)
        target = str(self.properties.get("TargetFunctionArn", ""))
        if not target.startswith("arn:"):
            target = f"arn:aws:lambda:{self.region}:{self.account_id}:function:{target}"
        if self.properties.get("Qualifier"):
            target = f"{target}:{self.properties['Qualifier']}"
        self.ref = target
        self.attributes = {
            "FunctionUrl": f"https://{url_id}.lambda-url.{self.region}.on.aws/",
            "FunctionArn": target,
        }

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: "_StandIn",
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> "_StandIn":
        properties = cloudformation_json.get("Properties", {})
        if all(properties.get(key) == original_resource.properties.get(key) for key in cls.CREATE_ONLY):
            return super().update_from_cloudformation_json(
                original_resource, new_resource_name, cloudformation_json, account_id, region_name
            )
        replacement = cls(original_resource.stack_id, original_resource.logical_id, properties, region_name, account_id)
        replacement.assign_identity(new_resource_name)
        replacement.update_count = original_resource.update_count + 1
        original_resource.deleted = True
        return replacement


class CloudFrontDistribution(_StandIn, CloudFormationModel):
    """Test stand-in: moto has no model for AWS::CloudFront::Distribution; this only records
    properties and returns plausible attributes (DomainName <id>.cloudfront.net, Id; Ref is Id)."""

    __module__ = STANDIN_MODULE
    TYPE = "AWS::CloudFront::Distribution"
    ATTRIBUTES = ("DomainName", "Id")

    def assign_identity(self, resource_name: str) -> None:
        self.ref = _cloudfront_id()
        domain = _random_id("d", 13, string.ascii_lowercase + string.digits) + ".cloudfront.net"
        self.attributes = {"DomainName": domain, "Id": self.ref}


class CloudFrontOriginAccessControl(_StandIn, CloudFormationModel):
    """Test stand-in: moto has no model for AWS::CloudFront::OriginAccessControl; this only
    records properties and returns plausible attributes (Id; Ref is Id)."""

    __module__ = STANDIN_MODULE
    TYPE = "AWS::CloudFront::OriginAccessControl"
    ATTRIBUTES = ("Id",)

    def assign_identity(self, resource_name: str) -> None:
        self.ref = _cloudfront_id()
        self.attributes = {"Id": self.ref}


class CloudFrontFunction(_StandIn, CloudFormationModel):
    """Test stand-in: moto has no model for AWS::CloudFront::Function; this only records
    properties and returns plausible attributes (FunctionARN, FunctionMetadata.FunctionARN,
    Stage; Ref is the ARN)."""

    __module__ = STANDIN_MODULE
    TYPE = "AWS::CloudFront::Function"
    # moto splits "!GetAtt Fn.FunctionMetadata.FunctionARN" on every dot and passes on only
    # "FunctionMetadata", so both spellings answer the ARN.
    ATTRIBUTES = ("FunctionARN", "FunctionMetadata", "FunctionMetadata.FunctionARN", "Stage")

    def assign_identity(self, resource_name: str) -> None:
        name = str(self.properties.get("Name") or resource_name)
        arn = f"arn:aws:cloudfront::{self.account_id}:function/{name}"
        self.ref = arn
        stage = "LIVE" if self.properties.get("AutoPublish") in (True, "true", "True") else "DEVELOPMENT"
        self.attributes = {
            "FunctionARN": arn,
            "FunctionMetadata": arn,
            "FunctionMetadata.FunctionARN": arn,
            "Stage": stage,
        }


class CloudFrontCachePolicy(_StandIn, CloudFormationModel):
    """Test stand-in: moto has no model for AWS::CloudFront::CachePolicy; this only records
    properties and returns plausible attributes (Id, LastModifiedTime; Ref is Id)."""

    __module__ = STANDIN_MODULE
    TYPE = "AWS::CloudFront::CachePolicy"
    ATTRIBUTES = ("Id", "LastModifiedTime")

    def assign_identity(self, resource_name: str) -> None:
        # Cache policy ids are UUIDs.
        hex_ = secrets.token_hex(16)
        self.ref = f"{hex_[:8]}-{hex_[8:12]}-{hex_[12:16]}-{hex_[16:20]}-{hex_[20:]}"
        self.attributes = {
            "Id": self.ref,
            "LastModifiedTime": datetime.now(timezone.utc).isoformat(),
        }


class S3BucketPolicy(_StandIn, CloudFormationModel):
    """Test stand-in: moto has no model for AWS::S3::BucketPolicy; this only records
    properties and returns plausible attributes (Ref is an id). It deliberately does NOT
    apply the policy: moto enforces bucket policies but ignores their Condition
    (moto/s3/models.py, put_bucket_policy), so a TLS-only deny would 403 every call."""

    __module__ = STANDIN_MODULE
    TYPE = "AWS::S3::BucketPolicy"
    ATTRIBUTES = ()

    def assign_identity(self, resource_name: str) -> None:
        self.ref = resource_name


class AcmCertificate(_StandIn, CloudFormationModel):
    """Test stand-in: moto has no model for AWS::CertificateManager::Certificate; this only
    records properties (DomainName, ValidationMethod, DomainValidationOptions) and returns
    an ARN in the stack's region as Ref. No validation records are written to Route 53,
    and moto's ACM backend is not told."""

    __module__ = STANDIN_MODULE
    TYPE = "AWS::CertificateManager::Certificate"
    ATTRIBUTES = ()

    def assign_identity(self, resource_name: str) -> None:
        hex_ = secrets.token_hex(16)
        uuid = f"{hex_[:8]}-{hex_[8:12]}-{hex_[12:16]}-{hex_[16:20]}-{hex_[20:]}"
        self.ref = f"arn:aws:acm:{self.region}:{self.account_id}:certificate/{uuid}"


class _PublishedVersion(_StandIn):
    """What the two version stand-ins share (a layer version, a function version): each
    publishes through moto's Lambda backend, so Ref is the published version's ARN;
    CloudFormation never updates one in place, it replaces it (see the subclasses)."""

    def __init__(self, stack_id: str, logical_id: str, properties: dict[str, Any], arn: str, attributes: dict[str, Any]):
        super().__init__(stack_id, logical_id, properties, region="", account_id="")
        self.arn = arn
        self.ref = arn
        self.attributes = attributes


class LambdaLayerVersion(_PublishedVersion, CloudFormationModel):
    """Test stand-in: moto HAS a model for AWS::Lambda::LayerVersion, but it is broken for
    our templates. It has no physical_resource_id, so a Ref to it is the Python object
    itself (moto/cloudformation/parsing.py, clean_json), and an update of a function with
    `Layers: [!Ref Layer]` fails with HTTP 500 (moto/awslambda/models.py, _get_layers_data
    -> split_layer_arn: 'LayerVersion' object has no attribute 'replace'). It has no
    update either (a changed layer leaves None behind) and no delete (versions leak).
    This one publishes through moto's own Lambda backend, so GetLayerVersion and
    ListLayerVersions are real; Ref and LayerVersionArn are the version's ARN; an update
    publishes a new version and deletes the old one, as CloudFormation's replacement does.
    It is defined after moto's class, so moto's model map picks it (checked at start-up)."""

    __module__ = STANDIN_MODULE
    TYPE = "AWS::Lambda::LayerVersion"
    ATTRIBUTES = ("LayerVersionArn",)

    def __init__(self, stack_id: str, logical_id: str, properties: dict[str, Any], layer_version: Any):
        super().__init__(stack_id, logical_id, properties, layer_version.arn, {"LayerVersionArn": layer_version.arn})
        self.name: str = layer_version.name
        self.version: int = layer_version.version

    @staticmethod
    def cloudformation_name_type() -> str:
        # The real name property. moto asks the FIRST model of a type for it
        # (parsing.py, resource_name_property_from_type), i.e. its own, which says
        # "LayerVersion"; so create and update also read LayerName themselves.
        return "LayerName"

    @staticmethod
    def _publish(account_id: str, region_name: str, layer_name: str, properties: dict[str, Any]) -> Any:
        from moto.awslambda.models import lambda_backends

        spec = {"LayerName": layer_name, "Content": properties["Content"]}
        for key in ("Description", "CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo"):
            if key in properties:
                spec[key] = properties[key]
        return lambda_backends[account_id][region_name].publish_layer_version(spec)

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> "LambdaLayerVersion":
        properties = cloudformation_json.get("Properties", {})
        name = properties.get("LayerName") or resource_name
        layer_version = cls._publish(account_id, region_name, name, properties)
        return cls(kwargs.get("StackId", ""), kwargs.get("LogicalId", resource_name), properties, layer_version)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: "LambdaLayerVersion",
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> "LambdaLayerVersion":
        # Every LayerVersion property change is a replacement: a new version, the old one deleted.
        properties = cloudformation_json.get("Properties", {})
        name = properties.get("LayerName") or original_resource.name
        layer_version = cls._publish(account_id, region_name, name, properties)
        replacement = cls(original_resource.stack_id, original_resource.logical_id, properties, layer_version)
        replacement.update_count = original_resource.update_count + 1
        original_resource.delete(account_id, region_name)
        return replacement

    def delete(self, account_id: str, region_name: str) -> None:
        from moto.awslambda.models import lambda_backends

        lambda_backends[account_id][region_name].delete_layer_version(self.name, str(self.version))
        self.deleted = True


class LambdaFunctionVersion(_PublishedVersion, CloudFormationModel):
    """Test stand-in: moto HAS a model for AWS::Lambda::Version, but it is broken for our
    templates: no physical_resource_id (a Ref to it is the Python object), no Version or
    FunctionArn for Fn::GetAtt, no update (CloudFormation replaces a version whose
    Description changed: a new version is published) and no delete (versions leak). This
    one publishes through moto's own Lambda backend, so ListVersionsByFunction is real; Ref
    and FunctionArn are the version's ARN, Version its number; an update publishes a new
    version and deletes the old one, as CloudFormation's replacement does. Two moto quirks
    are worked around: moto numbers a new version by counting the existing ones, so after a
    deletion it would reuse a number or go back below the highest (Lambda never does; this
    takes the next number after the highest); and moto updates a stack's resources in no particular order, where
    CloudFormation updates the function before the version that refers to it, so moto's
    "nothing changed since the last version" check could see the old function: a
    replacement always publishes (the content of a version is not what these tests check).
    And moto does not update the resources that refer to a replaced one (the alias's
    FunctionVersion: !GetAtt FunctionVersion.Version) as CloudFormation does: a replacement
    moves the aliases of the old version to the new one, which is that update's effect."""

    __module__ = STANDIN_MODULE
    TYPE = "AWS::Lambda::Version"
    ATTRIBUTES = ("Version", "FunctionArn")

    def __init__(self, stack_id: str, logical_id: str, properties: dict[str, Any], function_name: str, published: Any):
        version = str(published.version)
        super().__init__(stack_id, logical_id, properties, published.function_arn, {"Version": version, "FunctionArn": published.function_arn})
        self.function_name = function_name
        self.version = version

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def _publish(account_id: str, region_name: str, properties: dict[str, Any], replacing: bool = False) -> tuple[str, Any]:
        from moto.awslambda.models import lambda_backends

        backend = lambda_backends[account_id][region_name]
        function = backend.get_function(properties["FunctionName"])
        name = function.function_name
        if replacing:
            function.code_or_config_updated = True
        published = backend.publish_version(name, properties.get("Description", ""))
        others = [v for v in backend._lambdas._functions[name]["versions"] if v is not published]
        if others and int(published.version) <= max(int(v.version) for v in others):
            published.set_version(max(int(v.version) for v in others) + 1)
        return name, published

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> "LambdaFunctionVersion":
        properties = cloudformation_json.get("Properties", {})
        name, published = cls._publish(account_id, region_name, properties)
        return cls(kwargs.get("StackId", ""), kwargs.get("LogicalId", resource_name), properties, name, published)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: "LambdaFunctionVersion",
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> "LambdaFunctionVersion":
        # Every property of a version is create-only: any change is a replacement.
        properties = cloudformation_json.get("Properties", {})
        name, published = cls._publish(account_id, region_name, properties, replacing=True)
        replacement = cls(original_resource.stack_id, original_resource.logical_id, properties, name, published)
        replacement.update_count = original_resource.update_count + 1
        if replacement.arn != original_resource.arn:
            from moto.awslambda.models import lambda_backends

            backend = lambda_backends[account_id][region_name]
            for alias in backend.list_aliases(name):
                if str(alias.function_version) == original_resource.version:
                    backend.update_alias(alias.name, name, replacement.version, None, None)
            original_resource.delete(account_id, region_name)
        return replacement

    def delete(self, account_id: str, region_name: str) -> None:
        from moto.awslambda.models import lambda_backends

        if not self.deleted:
            lambda_backends[account_id][region_name].delete_function(self.function_name, self.version)
        self.deleted = True


class LambdaAlias(_StandIn, CloudFormationModel):
    """Test stand-in: moto has no model for AWS::Lambda::Alias. This one creates the alias in
    moto's own Lambda backend (so GetAlias and ListAliases are real) and points it at the
    version it names; an update moves it; Ref and AliasArn are its ARN."""

    __module__ = STANDIN_MODULE
    TYPE = "AWS::Lambda::Alias"
    ATTRIBUTES = ("AliasArn",)

    def _backend(self) -> Any:
        from moto.awslambda.models import lambda_backends

        return lambda_backends[self.account_id][self.region]

    def assign_identity(self, resource_name: str) -> None:
        p = self.properties
        alias = self._backend().create_alias(
            p["Name"], p["FunctionName"], str(p["FunctionVersion"]), p.get("Description", ""), None
        )
        self.ref = alias.arn
        self.attributes = {"AliasArn": alias.arn}

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: "_StandIn",
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> "_StandIn":
        p = cloudformation_json.get("Properties", {})
        original_resource._backend().update_alias(  # type: ignore[attr-defined]
            p["Name"], p["FunctionName"], str(p["FunctionVersion"]), p.get("Description", ""), None
        )
        return super().update_from_cloudformation_json(
            original_resource, new_resource_name, cloudformation_json, account_id, region_name
        )

    def delete(self, account_id: str, region_name: str) -> None:
        if not self.deleted:
            self._backend().delete_alias(self.properties["Name"], self.properties["FunctionName"])
        self.deleted = True


STAND_INS: tuple[type[CloudFormationModel], ...] = (
    LambdaUrl,
    CloudFrontDistribution,
    CloudFrontOriginAccessControl,
    CloudFrontFunction,
    CloudFrontCachePolicy,
    S3BucketPolicy,
    AcmCertificate,
    LambdaLayerVersion,
    LambdaFunctionVersion,
    LambdaAlias,
)


def patch_condition_tag() -> None:
    """Test patch: moto reads the YAML short form `!Condition X` as {"Fn::Condition": X}
    (moto/cloudformation/utils.py, yaml_tag_constructor: every tag but !Ref becomes
    "Fn::<tag>"), but parse_condition only knows {"Condition": X}; so
    `!Not [!Condition UseCdn]` evaluates `not None` and is always true, and resources
    under such a condition are created whatever the parameters say. CloudFormation's
    short form for a condition reference is {"Condition": X}; this makes moto read it so."""
    from moto.cloudformation import models, responses, utils

    original = utils.yaml_tag_constructor

    def yaml_tag_constructor(loader: Any, tag: Any, node: Any) -> Any:
        if tag == "!Condition":
            return {"Condition": node.value}
        return original(loader, tag, node)

    # Both modules imported the function by name.
    models.yaml_tag_constructor = yaml_tag_constructor  # type: ignore[attr-defined]
    responses.yaml_tag_constructor = yaml_tag_constructor  # type: ignore[attr-defined]


def patch_sub_references() -> None:
    """Test patch: on UpdateStack, moto updates a resource whose template is unchanged only if
    a changed parameter is one it refers to, and it finds references by looking for "Ref"
    keys only (moto/cloudformation/parsing.py, get_references_from_template). CloudFormation
    also counts `${Name}` in an Fn::Sub string, as a Version's `!Sub "... ${VersionFingerprint}"`
    does; without this, moto leaves the version alone when the fingerprint changes. Same
    contract as moto's function, plus the Fn::Sub variables."""
    import re

    sub_variable = re.compile(r"\$\{([^}!.]+)\}")

    def get_references_from_template(template: Any) -> list[str]:
        references: list[str] = []
        if isinstance(template, dict):
            for key, value in template.items():
                if key == "Ref":
                    references.append(value)
                elif key == "Fn::Sub":
                    text, variables = (value[0], value[1:]) if isinstance(value, list) else (value, [])
                    if isinstance(text, str):
                        references.extend(sub_variable.findall(text))
                    references.extend(get_references_from_template(variables))
                else:
                    references.extend(get_references_from_template(value))
        elif isinstance(template, list):
            for item in template:
                references.extend(get_references_from_template(item))
        return references

    parsing.get_references_from_template = get_references_from_template  # type: ignore[assignment]


def patch_condition_references() -> None:
    """Test patch: on UpdateStack, CloudFormation updates a resource whose properties depend
    on a condition whose value changed (`CorsConfiguration: !If [WithCors, ...]` when the
    Cors parameter changes), deletes a resource whose own Condition turned false (the
    --domain records once --domain is dropped) and creates one whose Condition turned
    true. moto's build_resource_diff (moto/cloudformation/parsing.py) only looks for a
    changed parameter among the resource's own Refs, and never at a resource's Condition:
    it leaves the first as it was and tries to update the others. This adds to moto's
    Modify list every unchanged resource that names a condition (Fn::If, or its Condition
    attribute) referring to a changed parameter, and moves a resource whose Condition
    changed value to Remove or Add."""

    original = parsing.ResourceMap.build_resource_diff

    def condition_names(value: Any) -> set[str]:
        names: set[str] = set()
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "Fn::If" and isinstance(item, list) and item and isinstance(item[0], str):
                    names.add(item[0])
                if key == "Condition" and isinstance(item, str):
                    names.add(item)
                names |= condition_names(item)
        elif isinstance(value, list):
            for item in value:
                names |= condition_names(item)
        return names

    def build_resource_diff(self: Any, other_template: dict[str, Any], parameters: dict[str, Any] | None = None) -> Any:
        result = original(self, other_template, parameters)
        if not parameters:
            return result
        changed = {name for name in parameters if self.input_parameters.get(name) != parameters[name]}
        conditions = other_template.get("Conditions") or {}

        def parameters_of(condition: str, seen: frozenset[str] = frozenset()) -> set[str]:
            if condition in seen or condition not in conditions:
                return set()
            found = set(parsing.get_references_from_template(conditions[condition]))
            for inner in condition_names(conditions[condition]):
                found |= parameters_of(inner, seen | {condition})
            return found

        old = self._resource_json_map
        for name, resource in other_template["Resources"].items():
            if name not in old or old[name] != resource or name in result["Modify"]:
                continue
            if any(parameters_of(condition) & changed for condition in condition_names(resource)):
                result["Modify"].append(name)

        values = {**_parameter_defaults(other_template), **parameters}
        for name, resource in other_template["Resources"].items():
            condition = resource.get("Condition")
            if name not in old or not isinstance(condition, str):
                continue
            wanted = _evaluate_condition({"Condition": condition}, conditions, values)
            exists = name in self._parsed_resources
            if wanted == exists:
                continue
            if name in result["Modify"]:
                result["Modify"].remove(name)
            result["Remove" if exists else "Add"].append(name)
        return result

    parsing.ResourceMap.build_resource_diff = build_resource_diff  # type: ignore[method-assign]


def _parameter_defaults(template: dict[str, Any]) -> dict[str, Any]:
    return {name: spec["Default"] for name, spec in (template.get("Parameters") or {}).items() if "Default" in spec}


def _evaluate_condition(expression: Any, conditions: dict[str, Any], values: dict[str, Any]) -> bool:
    """CloudFormation's condition functions, as far as our templates use them (Equals of Refs
    and literals, Not, And, Or, Condition); values compare as strings, as parameters do."""

    def value(item: Any) -> str:
        if isinstance(item, dict) and "Ref" in item:
            return str(values.get(item["Ref"], ""))
        return str(item)

    if isinstance(expression, dict):
        if "Condition" in expression:
            return _evaluate_condition(conditions[expression["Condition"]], conditions, values)
        if "Fn::Equals" in expression:
            left, right = expression["Fn::Equals"]
            return value(left) == value(right)
        if "Fn::Not" in expression:
            return not _evaluate_condition(expression["Fn::Not"][0], conditions, values)
        if "Fn::And" in expression:
            return all(_evaluate_condition(item, conditions, values) for item in expression["Fn::And"])
        if "Fn::Or" in expression:
            return any(_evaluate_condition(item, conditions, values) for item in expression["Fn::Or"])
    raise ValueError(f"condition not modelled by the test server: {expression!r}")


def patch_bucket_cors() -> None:
    """Test patch: moto's AWS::S3::Bucket model (moto/s3/models.py, FakeBucket's
    create/update_from_cloudformation_json) ignores CorsConfiguration, so a bucket made by
    CloudFormation has no CORS rules and S3's answers to browsers could not be checked.
    This applies the property (CloudFormation's CorsRules shape, turned into the API's) on
    create and on every update, and removes the rules when the property is gone, as
    CloudFormation does. moto's own CORS answers are then used as they are."""
    from moto.s3.models import FakeBucket

    def apply_cors(bucket: Any, properties: dict[str, Any]) -> None:
        rules = (properties.get("CorsConfiguration") or {}).get("CorsRules") or []
        api_rules = []
        for rule in rules:
            api_rule: dict[str, Any] = {
                "AllowedMethod": rule["AllowedMethods"],
                "AllowedOrigin": rule["AllowedOrigins"],
            }
            if "AllowedHeaders" in rule:
                api_rule["AllowedHeader"] = rule["AllowedHeaders"]
            if "ExposedHeaders" in rule:
                api_rule["ExposeHeader"] = rule["ExposedHeaders"]
            if "MaxAge" in rule:
                api_rule["MaxAgeSeconds"] = str(rule["MaxAge"])
            if "Id" in rule:
                api_rule["ID"] = rule["Id"]
            api_rules.append(api_rule)
        bucket.set_cors(api_rules)

    original_create = FakeBucket.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]
    original_update = FakeBucket.update_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> Any:
        bucket = original_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        apply_cors(bucket, cloudformation_json.get("Properties", {}))
        return bucket

    def update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: Any, account_id: str, region_name: str) -> Any:
        bucket = original_update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        apply_cors(bucket, cloudformation_json.get("Properties", {}))
        return bucket

    FakeBucket.create_from_cloudformation_json = classmethod(create)  # type: ignore[method-assign, assignment]
    FakeBucket.update_from_cloudformation_json = classmethod(update)  # type: ignore[method-assign, assignment]


def patch_create_failures() -> None:
    """Test patch: CloudFormation accepts CreateStack, reports a resource that fails to
    create as that resource's CREATE_FAILED event with a reason, and rolls the stack back
    to ROLLBACK_COMPLETE. moto creates the resources inside the CreateStack call and lets
    the resource's exception escape as the call's error (moto/cloudformation/models.py,
    create_stack -> Stack.create_resources), in that service's format (a JSON body in an
    XML API, which the SDK cannot parse), and leaves the stack CREATE_IN_PROGRESS for
    ever. This records the failure as CloudFormation does, so the CLI's failure path can
    be tested: the resource's CREATE_FAILED event, ROLLBACK_IN_PROGRESS, the resources
    made so far deleted, ROLLBACK_COMPLETE with no outputs and no resources. Template
    errors (moto's ValidationError) stay synchronous, as in CloudFormation. Updates are
    left as moto does them."""
    from moto.cloudformation import models
    from moto.cloudformation.exceptions import ValidationError

    original_create_resource = parsing.parse_and_create_resource

    def parse_and_create_resource(logical_id: str, resource_json: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return original_create_resource(logical_id, resource_json, *args, **kwargs)
        except Exception as error:
            # Resources are created lazily, a Ref inside another's properties: keep the innermost.
            if not hasattr(error, "failed_resource"):
                error.failed_resource = (logical_id, resource_json.get("Type", ""))  # type: ignore[attr-defined]
            raise

    # ResourceMap.__getitem__ calls it through the module's globals.
    parsing.parse_and_create_resource = parse_and_create_resource  # type: ignore[assignment]

    original_create_resources = models.Stack.create_resources

    def create_resources(self: Any) -> None:
        try:
            original_create_resources(self)
        except ValidationError:
            raise
        except Exception as error:
            logical_id, resource_type = getattr(error, "failed_resource", (self.name, "AWS::CloudFormation::Stack"))
            message = getattr(error, "message", None) or str(error)
            code = getattr(error, "error_type", None) or getattr(error, "code", None) or type(error).__name__
            self.events.append(
                models.Event(
                    stack_id=self.stack_id,
                    stack_name=self.name,
                    logical_resource_id=logical_id,
                    physical_resource_id="",
                    resource_type=resource_type,
                    resource_status="CREATE_FAILED",
                    resource_status_reason=f"{message} ({code})",
                    resource_properties=None,
                )
            )
            self.status = "ROLLBACK_IN_PROGRESS"
            self._add_stack_event(
                "ROLLBACK_IN_PROGRESS",
                resource_status_reason=f"The following resource(s) failed to create: [{logical_id}]. Rollback requested by user.",
            )
            try:
                self.resource_map.delete()
            except Exception:
                pass  # best effort, as a rollback that cannot delete everything would still end
            # Nothing left to resolve lazily: no resources, no outputs (a Ref in an output
            # would otherwise create the resource again on DescribeStacks).
            self.resource_map._resource_json_map = {}
            self.output_map = models.OutputMap(self.resource_map, {}, self.stack_id)
            self.status = "ROLLBACK_COMPLETE"
            self._add_stack_event("ROLLBACK_COMPLETE")

    models.Stack.create_resources = create_resources  # type: ignore[method-assign]


def patch_atomic_conditional_puts() -> None:
    """Test patch: S3 checks a PutObject's If-Match / If-None-Match and writes the object in
    one atomic step, so of two conditional PUTs against the same ETag exactly one wins.
    moto checks, then writes, without a lock (moto/s3/responses.py, S3Response.put_object),
    so two at once could both pass and one update be lost: a flaw of the emulator that
    would make tests of concurrent `push` runs flaky. This serialises the conditional ones."""
    from moto.s3.responses import S3Response

    original = S3Response.put_object
    lock = threading.Lock()

    def put_object(self: Any) -> Any:
        if self.headers.get("If-Match") or self.headers.get("If-None-Match"):
            with lock:
                return original(self)
        return original(self)

    S3Response.put_object = put_object  # type: ignore[method-assign]


def patch_atomic_stack_calls() -> None:
    """Test patch: CloudFormation refuses a second CreateStack of a name that exists
    (AlreadyExistsException), however close together the two calls come, and a stack
    being created is never created twice by reading it. moto checks the name, then builds
    the stack and its resources, without a lock (moto/cloudformation/models.py,
    CloudFormationBackend.create_stack), and creates resources lazily: a DescribeStacks
    of a stack still being built resolves its outputs and so creates the resources they
    refer to a second time (moto/cloudformation/parsing.py, ResourceMap). Two first
    deploys creating the account's shared stack at once would both create its resources.
    This serialises the stack calls that create or resolve resources."""
    from moto.cloudformation.models import CloudFormationBackend

    lock = threading.RLock()
    for name in ("create_stack", "update_stack", "delete_stack", "describe_stacks", "describe_stack_resources", "list_stack_resources"):
        original = getattr(CloudFormationBackend, name)

        def serialised(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(self, *args, **kwargs)

        setattr(CloudFormationBackend, name, serialised)


def check_model_map() -> None:
    """Fail at start-up, not mid-test, if moto would not use the stand-ins."""
    model_map = parsing.get_model_map()
    for model in STAND_INS:
        found = model_map.get(model.cloudformation_type())
        if found is not model:
            raise SystemExit(f"moto maps {model.cloudformation_type()} to {found!r}, not the stand-in")
    # Real moto models the templates rely on (a missing one would be skipped silently).
    for resource_type in (
        "AWS::S3::Bucket",
        "AWS::IAM::Role",
        "AWS::Lambda::Function",
        "AWS::Lambda::Permission",
        "AWS::Logs::LogGroup",
        "AWS::Route53::RecordSet",
    ):
        if resource_type not in model_map:
            raise SystemExit(f"moto {resource_type} model is missing")


STANDINS_PATH = "/_e2e/standins"


def standin_records() -> list[dict[str, Any]]:
    records = []
    for model in STAND_INS:
        for resource in model.instances_tracked:  # type: ignore[attr-defined]
            records.append(
                {
                    "type": model.cloudformation_type(),
                    "stackId": resource.stack_id,
                    "logicalId": resource.logical_id,
                    "physicalResourceId": resource.physical_resource_id,
                    "properties": resource.properties,
                    "attributes": resource.attributes,
                    "deleted": resource.deleted,
                    "updateCount": resource.update_count,
                }
            )
    return records


def _signed_for(environ: dict[str, Any], service: str) -> bool:
    """The request's SigV4 credential scope names this service (how moto itself routes)."""
    return f"/{service}/aws4_request" in environ.get("HTTP_AUTHORIZATION", "")


DISTRIBUTIONS_BY_CACHE_POLICY = "/2020-05-31/distributionsByCachePolicyId/"


def distributions_by_cache_policy(policy_id: str, query: str) -> bytes:
    """Test stand-in for CloudFront's ListDistributionsByCachePolicyId, which moto lacks:
    the ids of the Distribution stand-ins not deleted whose default or other cache
    behaviours name the policy, in the API's XML, paged by Marker/MaxItems
    (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ListDistributionsByCachePolicyId.html)."""
    from urllib.parse import parse_qs
    from xml.sax.saxutils import escape

    params = {key: values[0] for key, values in parse_qs(query).items()}
    using = []
    for distribution in CloudFrontDistribution.instances_tracked:  # type: ignore[attr-defined]
        if distribution.deleted:
            continue
        config = distribution.properties.get("DistributionConfig", {})
        behaviours = [config.get("DefaultCacheBehavior", {}), *config.get("CacheBehaviors", [])]
        if any(b.get("CachePolicyId") == policy_id for b in behaviours):
            using.append(distribution.ref)
    start = using.index(params["Marker"]) + 1 if params.get("Marker") in using else 0
    size = int(params.get("MaxItems", "100"))
    page = using[start : start + size]
    truncated = start + size < len(using)
    items = "".join(f"<DistributionId>{escape(i)}</DistributionId>" for i in page)
    next_marker = f"<NextMarker>{escape(page[-1])}</NextMarker>" if truncated else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<DistributionIdList xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">'
        f"<Marker>{escape(params.get('Marker', ''))}</Marker>{next_marker}<MaxItems>{size}</MaxItems>"
        f"<IsTruncated>{str(truncated).lower()}</IsTruncated><Quantity>{len(page)}</Quantity>"
        f"<Items>{items}</Items></DistributionIdList>"
    ).encode()


ACCOUNT_SETTINGS = "/2016-08-19/account-settings"


def lambda_account_settings(environ: dict[str, Any]) -> bytes:
    """Test stand-in for Lambda's GetAccountSettings, which moto lacks: AccountLimit with
    ConcurrentExecutions from MOTO_LAMBDA_CONCURRENCY_QUOTA (moto's own setting for
    PutFunctionConcurrency; 1000, Lambda's default quota, when unset) and
    UnreservedConcurrentExecutions that minus what moto's functions in the request's
    region reserve (https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html)."""
    from moto.awslambda.models import lambda_backends
    from moto.core.models import DEFAULT_ACCOUNT_ID

    scope = environ.get("HTTP_AUTHORIZATION", "").split("Credential=", 1)[-1].split("/")
    region = scope[2] if len(scope) > 2 else "us-east-1"
    limit = int(os.environ.get("MOTO_LAMBDA_CONCURRENCY_QUOTA") or 1000)
    backend = lambda_backends[DEFAULT_ACCOUNT_ID][region]
    reserved = sum(int(fn.reserved_concurrency or 0) for fn in backend.list_functions())
    return json.dumps(
        {
            "AccountLimit": {
                "ConcurrentExecutions": limit,
                "UnreservedConcurrentExecutions": limit - reserved,
                "CodeSizeUnzipped": 262144000,
                "CodeSizeZipped": 52428800,
                "TotalCodeSize": 80530636800,
            },
            "AccountUsage": {"FunctionCount": len(list(backend.list_functions())), "TotalCodeSize": 0},
        }
    ).encode()


def with_standins_endpoint(app: Any) -> Any:
    """moto's WSGI app, plus GET /_e2e/standins (no S3 bucket name starts with "_") and the
    labelled stand-ins for API calls moto lacks (each names the call it answers)."""

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD")
        if path == STANDINS_PATH and method == "GET":
            body = json.dumps(standin_records(), default=str).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if path.rstrip("/") == ACCOUNT_SETTINGS and method == "GET" and _signed_for(environ, "lambda"):
            body = lambda_account_settings(environ)
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if path.startswith(DISTRIBUTIONS_BY_CACHE_POLICY) and method == "GET" and _signed_for(environ, "cloudfront"):
            body = distributions_by_cache_policy(path[len(DISTRIBUTIONS_BY_CACHE_POLICY) :], environ.get("QUERY_STRING", ""))
            start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
            return [body]
        return app(environ, start_response)

    return wsgi


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("MOTO_PORT", "0")))
    parser.add_argument(
        "--exit-on-stdin-eof",
        action="store_true",
        help="stop when stdin closes (the test runner died), so no server is left behind",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)

    if not args.verbose:
        # werkzeug logs each request at INFO only when its logger level is unset.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

    patch_condition_tag()
    patch_sub_references()
    patch_condition_references()
    patch_bucket_cors()
    patch_create_failures()
    patch_atomic_conditional_puts()
    patch_atomic_stack_calls()
    check_model_map()

    # What moto.server's ThreadedMotoServer does, with the extra endpoint.
    app = with_standins_endpoint(DomainDispatcherApplication(create_backend_app))
    server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    port = server.server_port
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # Some moto models build URLs from MOTO_PORT.
    os.environ["MOTO_PORT"] = str(port)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if args.exit_on_stdin_eof:

        def wait_for_eof() -> None:
            sys.stdin.buffer.read()
            stop.set()

        threading.Thread(target=wait_for_eof, daemon=True).start()

    print(f"READY {port}", flush=True)
    stop.wait()
    server.shutdown()


if __name__ == "__main__":
    main()
