"""Custom resources checked against the openAPIV3Schema of their operator's own CRD (deploy/fetch_crds.py).

A CRD schema is OpenAPI 3.0 with Kubernetes extensions; it becomes a JSON Schema (draft 4, whose
boolean exclusiveMinimum/Maximum OpenAPI 3.0 shares) that refuses what `kubectl apply` refuses with its
default strict field validation: an unknown field is an error unless the schema preserves unknown
fields there. CEL rules (x-kubernetes-validations) are not evaluated.
"""

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import yaml
from deploy_support import REPO


def _load_fetch_crds():
    spec = importlib.util.spec_from_file_location("fetch_crds", REPO / "deploy" / "fetch_crds.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fetch_crds = _load_fetch_crds()


@dataclass(frozen=True)
class ServedVersion:
    api_version: str  # group/version
    kind: str
    source: str  # the cache directory it came from, e.g. strimzi-1.2.0
    schema: dict  # the CRD's openAPIV3Schema, unconverted


def served_versions(directories: list[Path]) -> dict[tuple[str, str], ServedVersion]:
    """(apiVersion, kind) -> its schema, for every version each CRD serves."""
    served: dict[tuple[str, str], ServedVersion] = {}
    for directory in directories:
        for path in sorted(directory.glob("*.yaml")):
            for crd in yaml.safe_load_all(path.read_text()):
                if not crd:
                    continue
                group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
                for version in crd["spec"]["versions"]:
                    if version.get("served"):
                        api_version = f"{group}/{version['name']}"
                        schema = version["schema"]["openAPIV3Schema"]
                        served[(api_version, kind)] = ServedVersion(api_version, kind, directory.name, schema)
    return served


def json_schema(node: dict, *, root: bool = True) -> dict:
    """A CRD schema node as JSON Schema, with the Kubernetes extensions turned into what they mean."""
    converted = dict(node)
    for key in ("properties", "patternProperties"):
        if key in node:
            converted[key] = {
                name: json_schema(child, root=False) if not (root and name == "metadata") else child
                for name, child in node[key].items()
            }
    if isinstance(node.get("items"), dict):
        converted["items"] = json_schema(node["items"], root=False)
    if isinstance(node.get("additionalProperties"), dict):
        converted["additionalProperties"] = json_schema(node["additionalProperties"], root=False)
    for key in ("allOf", "anyOf", "oneOf"):
        if key in node:
            converted[key] = [json_schema(child, root=False) for child in node[key]]
    if "not" in node:
        converted["not"] = json_schema(node["not"], root=False)

    if node.get("x-kubernetes-int-or-string"):
        # An integer or a string (a port number or name, "50%" or 5); the type, if given, is not meant.
        converted.pop("type", None)
        if not any(key in node for key in ("anyOf", "oneOf")):
            converted["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("x-kubernetes-embedded-resource"):
        properties = converted.setdefault("properties", {})
        properties.setdefault("apiVersion", {"type": "string"})
        properties.setdefault("kind", {"type": "string"})
        properties.setdefault("metadata", {"type": "object"})
    is_object = node.get("type") == "object" or "properties" in node
    if is_object and "additionalProperties" not in node and not node.get("x-kubernetes-preserve-unknown-fields"):
        # Kubernetes drops (and strict validation refuses) fields the schema does not name.
        converted["additionalProperties"] = False
    if node.get("nullable"):
        if "type" in converted:
            converted["type"] = [converted["type"], "null"]
        if "enum" in converted:
            converted["enum"] = [*converted["enum"], None]
    return converted


class CrdValidator:
    def __init__(self, served: dict[tuple[str, str], ServedVersion]) -> None:
        self.served = served
        self._validators: dict[tuple[str, str], jsonschema.Draft4Validator] = {}

    def errors(self, document: dict) -> list[str]:
        """What the operator's CRD refuses in this custom resource (empty: it is accepted)."""
        key = (document.get("apiVersion", ""), document.get("kind", ""))
        if key not in self.served:
            versions = sorted(v for v, k in self.served if k == key[1])
            return [f"{key[1]} is not served as {key[0]} (served: {versions or 'none'})"]
        if key not in self._validators:
            self._validators[key] = jsonschema.Draft4Validator(json_schema(self.served[key].schema))
        return [
            f"{'.'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
            for error in sorted(
                self._validators[key].iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path]
            )
        ]
