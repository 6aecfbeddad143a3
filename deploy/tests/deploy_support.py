"""What the deployment descriptions must agree on, and readers for them (used by deploy/tests).

No container engine or cluster is available here, so docker-compose.yml, the Dockerfiles, the nginx
gateway configs and deploy/k8s/ are checked statically: parsed, cross-checked against the contract
(ports, routes, commands) and against each other, and validated with the real tools when present
(compose-go through `go`, `kubectl kustomize`, `nginx -t`, `uv`).
"""

import base64
import json
import os
import re
import shlex
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
COMPOSE_DIR = REPO / "deploy" / "compose"
K8S_DIR = REPO / "deploy" / "k8s"
K8S_BASE = K8S_DIR / "base"
K8S_OVERLAYS = ("dev", "production")

# The contract (CONTRACT.md and the project brief): service ports and gateway prefixes.
SERVICE_PORTS = {
    "pin-service": 8001,
    "nocopy-service": 8002,
    "feedback-service": 8003,
    "stats-service": 8004,
    "card-gateway": 8005,
}
SERVICE_DATABASES = {
    "pin-service": "citizeninfo_pin",
    "nocopy-service": "citizeninfo_nocopy",
    "feedback-service": "citizeninfo_feedback",
    "stats-service": "citizeninfo_stats",
    "card-gateway": "citizeninfo_card",
}
GATEWAY_PORT = 8080
# prefix -> (service, whether the gateway strips the prefix)
GATEWAY_ROUTES = {
    "/api/pin/v1/": ("pin-service", True),
    "/api/nocopy/v1/": ("nocopy-service", True),
    "/api/feedback/v1/": ("feedback-service", True),
    "/api/stats/v1/": ("stats-service", True),
    "/api/card/v1/": ("card-gateway", True),
    "/open311/v2/": ("feedback-service", False),
}
STATS_WORKER = "stats-worker"
STATS_WORKER_PORT = 6066
STATS_WORKER_COMMAND = ["faust", "-A", "stats_service.worker.app:app", "worker", "-l", "info", "--web-port", "6066"]
TOPICS_COMMAND = ["python", "-m", "citizeninfo_devstack.topics"]
APP_UID = 10001
PYTHON_BASE_IMAGE = "python:3.11-slim-bookworm"
# Every app container gets these (pin-service also CITIZENINFO_ADMIN_PASSWORD).
APP_ENVIRONMENT = (
    "CITIZENINFO_ENVIRONMENT",
    "CITIZENINFO_KAFKA_BOOTSTRAP_SERVERS",
    "CITIZENINFO_MONGODB_URL",
    "CITIZENINFO_ELASTICSEARCH_URL",
    "CITIZENINFO_JWT_SECRET",
    "CITIZENINFO_VISIT_TOKEN_SECRET",
    "CITIZENINFO_IDENTITY_HMAC_KEY",
)
# Secrets production refuses when shorter than 32 characters (shared settings).
LONG_SECRETS = ("CITIZENINFO_JWT_SECRET", "CITIZENINFO_VISIT_TOKEN_SECRET", "CITIZENINFO_IDENTITY_HMAC_KEY")
GRAFANA_DIR = REPO / "deploy" / "grafana"
PROMETHEUS_DIR = REPO / "deploy" / "prometheus"
DOCKERFILES = {
    **{name: REPO / "services" / name / "Dockerfile" for name in SERVICE_PORTS},
    "topics": COMPOSE_DIR / "topics.Dockerfile",
}
# The gateway: one set of routes (deploy/gateway/), and per environment only its own main config.
GATEWAY_DIR = REPO / "deploy" / "gateway"
SHARED_GATEWAY_FILES = ("http.conf", "routes.conf")
NATIVE_GATEWAY_TEMPLATE = REPO / "deploy" / "local" / "templates" / "nginx.conf.j2"
NGINX_CONFIGS = {
    "native": NATIVE_GATEWAY_TEMPLATE,
    "compose": COMPOSE_DIR / "nginx.conf",
    "k8s": K8S_BASE / "gateway.conf",
}
# Built by `make up` (npm run build), not versioned: compose may mount it before it exists.
BUILD_OUTPUTS = ("./web/dist",)


# --- interpolation (compose) ---------------------------------------------------------------------

_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}")


def compose_required_variables(text: str) -> set[str]:
    return {m["name"] for m in _VARIABLE.finditer(text) if m["op"] in (":?", "?")}


def interpolate_defaults(value: str, environment: dict[str, str] | None = None) -> str:
    """A compose value as compose reads it with only `environment` set: `${VAR:-default}` gives its
    default, and a variable with no value and no default becomes "<VAR>"."""
    environment = environment or {}

    def replace(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        if name in environment:
            return environment[name]
        if op in (":-", "-"):
            return arg
        return f"<{name}>"

    return _VARIABLE.sub(replace, value.replace("$$", "\0")).replace("\0", "$")


# --- Dockerfiles -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str
    line: int

    def exec_form(self) -> list[str] | None:
        """The JSON array of an exec-form CMD/ENTRYPOINT/HEALTHCHECK CMD, if that is its form."""
        text = self.arguments
        if self.keyword == "HEALTHCHECK":
            text = re.sub(r"^(--[a-z-]+=\S+\s+)*", "", text)
            if not text.startswith("CMD "):
                return None
            text = text[len("CMD ") :].strip()
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return None
        return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> Instruction | None:
        found = self.all(keyword)
        return found[-1] if found else None


KNOWN_INSTRUCTIONS = {
    "FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER",
    "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
}  # fmt: skip


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined and comments dropped, as BuildKit reads them."""
    instructions: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not pending:
            start = number
        continues = stripped.endswith("\\")
        pending.append(stripped[:-1].strip() if continues else stripped)
        if not continues:
            keyword, _, arguments = " ".join(pending).partition(" ")
            instructions.append(Instruction(keyword.upper(), arguments.strip(), start))
            pending = []
    if pending:
        raise ValueError(f"line {start}: a continuation never ends")
    return instructions


def dockerfile_stages(instructions: list[Instruction]) -> list[Stage]:
    """Stages with their base images as a default build reads them: `${ARG}` from the ARGs before FROM."""
    stages: list[Stage] = []
    global_args: dict[str, str] = {}
    for instruction in instructions:
        if instruction.keyword == "ARG" and not stages:
            name, _, default = instruction.arguments.partition("=")
            global_args[name.strip()] = default.strip()
        elif instruction.keyword == "FROM":
            words = [w for w in instruction.arguments.split() if not w.startswith("--")]
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            image = re.sub(r"\$\{(\w+)\}", lambda match: global_args[match.group(1)], words[0])
            stages.append(Stage(image=image, name=name))
        elif stages:
            stages[-1].instructions.append(instruction)
    return stages


def copy_sources(instruction: Instruction) -> list[str]:
    """The build-context sources of a COPY (none for COPY --from=...)."""
    words = shlex.split(instruction.arguments)
    if any(w.startswith("--from") for w in words):
        return []
    words = [w for w in words if not w.startswith("--")]
    return words[:-1]


def image_reference(image: str) -> tuple[str, str | None]:
    """(repository, tag) of an image reference; the tag is None when there is none."""
    if "@" in image:
        return image.split("@", 1)[0], "@digest"
    last = image.rsplit("/", 1)[-1]
    if ":" in last:
        repository, tag = image.rsplit(":", 1)
        return repository, tag
    return image, None


def workspace_member_dirs() -> list[Path]:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    members: list[Path] = []
    for pattern in pyproject["tool"]["uv"]["workspace"]["members"]:
        members += sorted(p for p in REPO.glob(pattern) if (p / "pyproject.toml").is_file())
    return members


def wheel_packages(project_dir: Path) -> list[str]:
    pyproject = tomllib.loads((project_dir / "pyproject.toml").read_text())
    return pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]


def project_name(project_dir: Path) -> str:
    return tomllib.loads((project_dir / "pyproject.toml").read_text())["project"]["name"]


def find_uv() -> str | None:
    candidates = [shutil.which("uv"), os.environ.get("UV")]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "citizeninfo"
    candidates += [str(p) for p in sorted(cache.glob("uv-*/bin/uv"))]
    return next((c for c in candidates if c and Path(c).is_file()), None)


# --- nginx -----------------------------------------------------------------------------------------


@dataclass
class Directive:
    name: str
    args: list[str]
    block: list["Directive"] | None = None
    line: int = 0

    def children(self, name: str) -> list["Directive"]:
        return [d for d in self.block or [] if d.name == name]


_NGINX_TOKEN = re.compile(r"""\s+|#[^\n]*|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[{};]|[^\s{};'"#]+""")


def parse_nginx(text: str) -> list[Directive]:
    """nginx configuration as a tree; raises ValueError on unbalanced braces or a missing `;`."""
    tokens: list[tuple[str, int]] = []
    position, line = 0, 1
    while position < len(text):
        match = _NGINX_TOKEN.match(text, position)
        if not match:
            raise ValueError(f"line {line}: cannot read {text[position : position + 20]!r}")
        token = match.group(0)
        if not token.isspace() and not token.startswith("#"):
            if token[0] in "'\"":
                token = token[1:-1]
            tokens.append((token, line))
        line += token.count("\n") if token.isspace() or token.startswith("#") else 0
        position = match.end()

    root: list[Directive] = []
    stack: list[list[Directive]] = [root]
    words: list[str] = []
    word_line = 0
    for token, token_line in tokens:
        if token == ";":
            if not words:
                raise ValueError(f"line {token_line}: empty directive")
            stack[-1].append(Directive(words[0], words[1:], line=word_line))
            words = []
        elif token == "{":
            if not words:
                raise ValueError(f"line {token_line}: a block without a name")
            block: list[Directive] = []
            stack[-1].append(Directive(words[0], words[1:], block, line=word_line))
            stack.append(block)
            words = []
        elif token == "}":
            if words or len(stack) == 1:
                raise ValueError(f"line {token_line}: unexpected '}}' (missing ';' or extra brace)")
            stack.pop()
        else:
            if not words:
                word_line = token_line
            words.append(token)
    if words or len(stack) != 1:
        raise ValueError("the configuration ends inside a directive or block")
    return root


def walk(directives: list[Directive]):
    for directive in directives:
        yield directive
        if directive.block:
            yield from walk(directive.block)


@dataclass(frozen=True)
class GatewayConfig:
    upstreams: dict[str, list[str]]  # upstream name -> ["host:port", ...]
    locations: dict[str, Directive]  # "= /healthz", "/api/pin/v1/", "@unavailable", ...
    listen: list[str]
    tree: list[Directive] = field(default_factory=list)  # with every relative include inlined


# An environment's gateway as nginx sees it there: {path relative to the main config's directory:
# text}, "nginx.conf" being the main config. Relative includes resolve against that directory.
GatewayFiles = dict[str, str]


def inline_includes(files: GatewayFiles, name: str = "nginx.conf") -> list[Directive]:
    """The parsed config with each relative `include` replaced by the file it names (which must be
    one of `files`); absolute includes (/etc/nginx/mime.types) stay as they are."""

    def expand(directives: list[Directive]) -> list[Directive]:
        expanded: list[Directive] = []
        for directive in directives:
            if directive.name == "include" and not directive.args[0].startswith("/"):
                included = directive.args[0]
                if included not in files:
                    raise ValueError(f"{name} includes {included}, which this environment does not provide")
                expanded += expand(parse_nginx(files[included]))
            elif directive.block is not None:
                expanded.append(Directive(directive.name, directive.args, expand(directive.block), directive.line))
            else:
                expanded.append(directive)
        return expanded

    return expand(parse_nginx(files[name]))


def render_native_gateway(workdir: Path) -> GatewayFiles:
    """What `make up` writes to .run/conf, rendered into `workdir` by the devstack's own code."""
    from citizeninfo_devstack.stack import install_shared_gateway_files
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    environment = Environment(
        loader=FileSystemLoader(NATIVE_GATEWAY_TEMPLATE.parent),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - a config file
    )
    upstreams = [{"name": name.replace("-", "_"), "ports": [port]} for name, port in SERVICE_PORTS.items()]
    run = REPO / ".run"  # the paths `make up` uses (StackPaths); tests that run nginx move them
    text = environment.get_template(NATIVE_GATEWAY_TEMPLATE.name).render(
        run=run, logs=run / "logs", port=GATEWAY_PORT, upstreams=upstreams, user=None, web_root=REPO / "web" / "dist"
    )
    (workdir / "nginx.conf").write_text(text)
    install_shared_gateway_files(REPO, workdir)
    return {str(path.relative_to(workdir)): path.read_text() for path in sorted(workdir.rglob("*.conf"))}


def compose_gateway_files(compose_services: dict[str, dict]) -> GatewayFiles:
    """The files the gateway image (web/Dockerfile, compose's gateway) copies under /etc/nginx."""
    dockerfile = REPO / compose_services["gateway"]["build"]["dockerfile"]
    files: GatewayFiles = {}
    for instruction in parse_dockerfile(dockerfile.read_text()):
        if instruction.keyword != "COPY":
            continue
        *sources, target = instruction.arguments.split()
        if not target.startswith("/etc/nginx/"):
            continue
        relative = target.removeprefix("/etc/nginx/")
        for source in sources:
            name = f"{relative}{Path(source).name}" if relative.endswith("/") else relative
            files[name] = (REPO / source).read_text()
    return files


def k8s_gateway_files(documents: list[dict]) -> GatewayFiles:
    """The files the gateway pod sees, from `kustomize build` output: the ConfigMap keys its projected
    volume puts in the directory of the config that its args name with -c."""
    config_maps = {d["metadata"]["name"]: d.get("data", {}) for d in documents if d["kind"] == "ConfigMap"}
    (deployment,) = [d for d in documents if d["kind"] == "Deployment" and d["metadata"]["name"] == "gateway"]
    spec = deployment["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    main = Path(container["args"][container["args"].index("-c") + 1])
    mounts = {m["name"]: Path(m["mountPath"]) for m in container["volumeMounts"]}
    files: GatewayFiles = {}
    for volume in spec["volumes"]:
        if volume["name"] not in mounts:
            continue
        sources = volume.get("projected", {}).get("sources", [])
        if "configMap" in volume:
            sources = [{"configMap": volume["configMap"]}]
        for source in sources:
            config_map = source.get("configMap")
            if config_map is None:
                continue
            data = config_maps[config_map["name"]]
            items = config_map.get("items") or [{"key": k, "path": k} for k in data]
            for item in items:
                path = mounts[volume["name"]] / item["path"]
                if path.is_relative_to(main.parent):
                    files[str(path.relative_to(main.parent))] = data[item["key"]]
    files["nginx.conf"] = files.pop(main.name)
    return files


def read_gateway_config(files: GatewayFiles) -> GatewayConfig:
    tree = inline_includes(files)
    upstreams = {
        d.args[0]: [server.args[0] for server in d.children("server")] for d in walk(tree) if d.name == "upstream"
    }
    servers = [d for d in walk(tree) if d.name == "server" and d.block is not None]
    assert len(servers) == 1, f"expected one server block, found {len(servers)}"
    server = servers[0]
    locations = {" ".join(d.args): d for d in server.children("location")}
    listen = [" ".join(d.args) for d in server.children("listen")]
    return GatewayConfig(upstreams, locations, listen, tree)


# --- Kubernetes ------------------------------------------------------------------------------------


def load_yaml_documents(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def find_kustomize() -> list[str] | None:
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


def labels_match(selector: dict, labels: dict[str, str]) -> bool:
    """A Kubernetes label selector (matchLabels and matchExpressions) against a set of labels."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        present = key in labels
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


_QUANTITY = re.compile(r"^(?P<number>[0-9.]+)(?P<suffix>m|Ki|Mi|Gi|Ti|k|M|G|T)?$")
_QUANTITY_FACTORS = {
    None: 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40,
}  # fmt: skip


def quantity(value: str | int | float) -> float:
    match = _QUANTITY.match(str(value))
    if not match:
        raise ValueError(f"not a Kubernetes quantity: {value!r}")
    return float(match["number"]) * _QUANTITY_FACTORS[match["suffix"]]


def kafka_cluster_id_is_valid(cluster_id: str) -> bool:
    """KRaft cluster ids are 16 bytes in URL-safe base64 without padding (22 characters)."""
    try:
        return len(base64.urlsafe_b64decode(cluster_id + "==")) == 16 and len(cluster_id) == 22
    except ValueError:
        return False


# --- Kafka: users, ACLs and credentials ----------------------------------------------------------------

# The Kafka user of each workload that talks to Kafka (compose service or k8s Deployment/Job name -> user).
KAFKA_USERS = {
    **{name: name for name in SERVICE_PORTS},
    STATS_WORKER: STATS_WORKER,
    "kafka-topics": "citizeninfo-topics",
}
# The national complaint system: reads complaints (with consented contacts), writes complaint-status.
COMPLAINT_SYSTEM_USER = "complaint-system"
# Which data stores each workload uses (their ports): network policies open exactly these.
KAFKA_PORT, ELASTICSEARCH_PORT, MONGODB_PORT = 9092, 9200, 27017
DATA_STORE_PORTS = {
    "pin-service": {KAFKA_PORT, ELASTICSEARCH_PORT, MONGODB_PORT},
    "nocopy-service": {KAFKA_PORT, MONGODB_PORT},
    "feedback-service": {KAFKA_PORT, MONGODB_PORT},
    "stats-service": {KAFKA_PORT, ELASTICSEARCH_PORT, MONGODB_PORT},
    "card-gateway": {KAFKA_PORT, MONGODB_PORT},
    STATS_WORKER: {KAFKA_PORT, ELASTICSEARCH_PORT},
    "kafka-topics": {KAFKA_PORT},
}
_TOPIC_NAME = re.compile(r"citizeninfo\.[a-z-]+\.v\d+")


def expected_kafka_acls() -> dict[str, set[tuple[str, str, str, str]]]:
    """Per Kafka user, its ACL entries (resource type, pattern type, name, operation) from ACCESS."""
    from citizeninfo_devstack.topics import ACCESS, acl_entries

    return {principal: acl_entries(access) for principal, access in ACCESS.items()}


def kafka_user_acls(kafka_user: dict) -> set[tuple[str, str, str, str]]:
    """A Strimzi KafkaUser's ACLs in the same form (API v1: `operations`; v1beta2's `operation` is gone)."""
    entries = set()
    for acl in kafka_user["spec"]["authorization"]["acls"]:
        assert acl.get("type", "allow") == "allow", acl
        assert acl.get("host", "*") == "*", acl
        resource = acl["resource"]
        for operation in acl["operations"]:
            entries.add((resource["type"], resource.get("patternType", "literal"), resource["name"], operation))
    return entries


def readme_event_topics(service: str) -> set[str]:
    """The topics a service's README names in its events section (`Events`, `Events in`, `Events out`)."""
    text = (REPO / "services" / service / "README.md").read_text()
    sections = re.split(r"^## ", text, flags=re.M)
    events = [s for s in sections if s.lower().startswith("events")] or [text]
    named = set()
    for section in events:
        named |= set(_TOPIC_NAME.findall(section))
    # pin-service describes its events in the opening paragraph.
    if service == "pin-service":
        named |= set(_TOPIC_NAME.findall(re.split(r"^## ", text, flags=re.M)[0]))
    return named
