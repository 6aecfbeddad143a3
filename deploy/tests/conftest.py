"""Fixtures for deploy/tests; the contract facts and the readers are in deploy_support.py."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

# deploy_support.py sits beside this file; pytest's importlib mode does not put this folder on sys.path.
sys.path.insert(0, str(Path(__file__).parent))

from deploy_support import (
    COMPOSE_DIR,
    COMPOSE_FILE,
    DOCKERFILES,
    K8S_BASE,
    K8S_DIR,
    K8S_OVERLAYS,
    NGINX_CONFIGS,
    SERVICE_PORTS,
    GatewayConfig,
    GatewayFiles,
    Stage,
    compose_gateway_files,
    dockerfile_stages,
    find_kustomize,
    k8s_gateway_files,
    load_yaml_documents,
    parse_dockerfile,
    read_gateway_config,
    render_native_gateway,
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "service" in metafunc.fixturenames:
        metafunc.parametrize("service", list(SERVICE_PORTS))
    if "dockerfile_name" in metafunc.fixturenames:
        metafunc.parametrize("dockerfile_name", list(DOCKERFILES))
    if "nginx_config_name" in metafunc.fixturenames:
        metafunc.parametrize("nginx_config_name", list(NGINX_CONFIGS))
    if "overlay" in metafunc.fixturenames:
        metafunc.parametrize("overlay", K8S_OVERLAYS)


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="session")
def compose_services(compose: dict) -> dict[str, dict]:
    return compose["services"]


@pytest.fixture(scope="session")
def generated_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The .env that deploy/compose/generate-env.sh writes, read back."""
    target = tmp_path_factory.mktemp("compose-env") / ".env"
    subprocess.run(["bash", str(COMPOSE_DIR / "generate-env.sh"), str(target)], check=True, capture_output=True)
    pairs = [line.split("=", 1) for line in target.read_text().splitlines() if line and not line.startswith("#")]
    return {key: value for key, value in pairs}


@pytest.fixture(scope="session")
def dockerfile_stages_by_name() -> dict[str, list[Stage]]:
    return {name: dockerfile_stages(parse_dockerfile(path.read_text())) for name, path in DOCKERFILES.items()}


@pytest.fixture(scope="session")
def gateway_files(
    tmp_path_factory: pytest.TempPathFactory, compose_services: dict[str, dict], k8s_rendered: dict[str, list[dict]]
) -> dict[str, GatewayFiles]:
    """Per environment, the gateway files nginx reads there: rendered by the devstack (native), mounted
    by docker-compose.yml, and projected into the pod by `kustomize build` (k8s, both overlays alike)."""
    k8s = {overlay: k8s_gateway_files(documents) for overlay, documents in k8s_rendered.items()}
    assert k8s["dev"] == k8s["production"], "the overlays run the same gateway config"
    return {
        "native": render_native_gateway(tmp_path_factory.mktemp("native-gateway")),
        "compose": compose_gateway_files(compose_services),
        "k8s": k8s["production"],
    }


@pytest.fixture(scope="session")
def gateway_configs(gateway_files: dict[str, GatewayFiles]) -> dict[str, GatewayConfig]:
    return {name: read_gateway_config(files) for name, files in gateway_files.items()}


@pytest.fixture(scope="session")
def k8s_base_kustomization() -> dict:
    return yaml.safe_load((K8S_BASE / "kustomization.yaml").read_text())


@pytest.fixture(scope="session")
def k8s_base_documents(k8s_base_kustomization: dict) -> list[dict]:
    documents: list[dict] = []
    for resource in k8s_base_kustomization["resources"]:
        if (K8S_BASE / resource).is_file():  # directories are kustomizations (monitoring ConfigMaps)
            documents += load_yaml_documents(K8S_BASE / resource)
    return documents


@pytest.fixture(scope="session")
def k8s_rendered() -> dict[str, list[dict]]:
    """Each overlay as `kustomize build` renders it; skips where no kustomize is installed."""
    command = find_kustomize()
    if command is None:
        pytest.fail("neither kustomize nor kubectl is installed")
    rendered = {}
    for overlay in K8S_OVERLAYS:
        result = subprocess.run(
            [*command, str(K8S_DIR / "overlays" / overlay)], capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, f"kustomize build overlays/{overlay} failed:\n{result.stderr}"
        rendered[overlay] = [d for d in yaml.safe_load_all(result.stdout) if d is not None]
    return rendered
