"""The nginx gateway configs (compose and Kubernetes): the routes of CONTRACT.md, checked by reading
them, by `nginx -t`, and by running nginx in front of stand-in services where nginx is installed."""

import contextlib
import http.client
import json
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from deploy_support import (
    GATEWAY_PORT,
    GATEWAY_ROUTES,
    K8S_BASE,
    NGINX_CONFIGS,
    SERVICE_PORTS,
    GatewayConfig,
    load_yaml_documents,
    parse_nginx,
)


def upstream_of(config: GatewayConfig, prefix: str) -> tuple[str, bool]:
    """(the "host:port" a route reaches, whether it strips its prefix)."""
    location = config.locations[prefix]
    (proxy_pass,) = [d.args[0] for d in location.block or [] if d.name == "proxy_pass"]
    match = re.fullmatch(r"http://(?P<upstream>[A-Za-z0-9_.:-]+)(?P<uri>/.*)?", proxy_pass)
    assert match, f"{prefix}: proxy_pass {proxy_pass}"
    servers = config.upstreams.get(match["upstream"], [match["upstream"]])
    assert len(servers) == 1, f"{prefix}: one service behind each route"
    return servers[0], match["uri"] == "/"


def test_config_parses_with_balanced_blocks(nginx_config_name: str) -> None:
    parse_nginx(NGINX_CONFIGS[nginx_config_name].read_text())


def test_gateway_listens_on_8080(nginx_config_name: str, gateway_configs: dict[str, GatewayConfig]) -> None:
    assert gateway_configs[nginx_config_name].listen == [str(GATEWAY_PORT)]


def test_every_contract_prefix_reaches_its_service(
    nginx_config_name: str, gateway_configs: dict[str, GatewayConfig]
) -> None:
    config = gateway_configs[nginx_config_name]
    for prefix, (service, strips) in GATEWAY_ROUTES.items():
        assert prefix in config.locations, f"no location for {prefix}"
        server, stripped = upstream_of(config, prefix)
        host, _, port = server.rpartition(":")
        assert (host, int(port)) == (service, SERVICE_PORTS[service]), f"{prefix} goes to {server}"
        assert stripped == strips, f"{prefix}: {'strip' if strips else 'keep'} the prefix"


def test_both_gateway_configs_route_alike(gateway_configs: dict[str, GatewayConfig]) -> None:
    compose, k8s = gateway_configs["compose"], gateway_configs["k8s"]
    assert set(compose.locations) == set(k8s.locations)
    for prefix in GATEWAY_ROUTES:
        assert upstream_of(compose, prefix) == upstream_of(k8s, prefix)


def test_gateway_answers_its_own_probes(nginx_config_name: str, gateway_configs: dict[str, GatewayConfig]) -> None:
    locations = gateway_configs[nginx_config_name].locations
    for probe in ("/healthz", "/readyz"):
        returns = [d.args for d in locations[f"= {probe}"].block or [] if d.name == "return"]
        assert returns and returns[0][0] == "200", probe


def test_k8s_upstreams_are_the_cluster_services(gateway_configs: dict[str, GatewayConfig]) -> None:
    services = {
        (d["metadata"]["name"], port["port"])
        for path in K8S_BASE.glob("*.yaml")
        for d in load_yaml_documents(path)
        if d.get("kind") == "Service"
        for port in d["spec"]["ports"]
    }
    for servers in gateway_configs["k8s"].upstreams.values():
        for server in servers:
            host, _, port = server.rpartition(":")
            assert (host, int(port)) in services, f"upstream {server} is no Service in deploy/k8s/base"


def test_k8s_gateway_mounts_this_config() -> None:
    kustomization = yaml.safe_load((K8S_BASE / "kustomization.yaml").read_text())
    generators = {g["name"]: g for g in kustomization["configMapGenerator"]}
    assert generators["gateway-nginx"]["files"] == [NGINX_CONFIGS["k8s"].name]


# --- with a real nginx ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def runnable_config(name: str, listen_port: int, service_ports: dict[str, int], workdir: Path) -> Path:
    """The config as it would run, pointed at loopback ports, for the nginx installed here."""
    text = NGINX_CONFIGS[name].read_text()
    for service, port in service_ports.items():
        text = re.sub(rf"server {service}:\d+( resolve)?;", f"server 127.0.0.1:{port};", text)
    text = text.replace(f"listen {GATEWAY_PORT};", f"listen 127.0.0.1:{listen_port};")
    if name == "compose":
        text = re.sub(r"^pid .*;$", f"pid {workdir}/nginx.pid;", text, flags=re.M)
    else:  # conf.d snippet: the image's nginx.conf wraps it in an http block
        text = f"pid {workdir}/nginx.pid;\nevents {{}}\nhttp {{\ninclude /etc/nginx/mime.types;\n{text}\n}}\n"
    path = workdir / "nginx.conf"
    path.write_text(text)
    return path


def require_nginx() -> str:
    nginx = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if nginx is None:
        pytest.fail("nginx is not installed")
    return nginx


def test_nginx_accepts_the_config(nginx_config_name: str, tmp_path: Path) -> None:
    nginx = require_nginx()
    config = runnable_config(nginx_config_name, free_port(), dict.fromkeys(SERVICE_PORTS, 9), tmp_path)
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(config)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr


class EchoService(BaseHTTPRequestHandler):
    """A stand-in service: answers every request with its name, the path it got and its request id."""

    service_name = "?"

    def do_GET(self) -> None:
        body = json.dumps(
            {"service": self.service_name, "path": self.path, "request_id": self.headers.get("X-Request-ID")}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def stand_in_services() -> Iterator[dict[str, ThreadingHTTPServer]]:
    servers = []
    for service in SERVICE_PORTS:
        handler = type(f"Echo_{service}", (EchoService,), {"service_name": service})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append((service, server))
    try:
        yield dict(servers)
    finally:
        for _, server in servers:
            server.shutdown()
            server.server_close()


@pytest.fixture
def running_gateway(nginx_config_name: str, tmp_path: Path) -> Iterator[tuple[int, dict[str, ThreadingHTTPServer]]]:
    """nginx with this config in front of stand-in services: (its port, the services by name)."""
    nginx = require_nginx()
    with stand_in_services() as services:
        ports = {name: server.server_address[1] for name, server in services.items()}
        listen = free_port()
        config = runnable_config(nginx_config_name, listen, ports, tmp_path)
        process = subprocess.Popen(
            [nginx, "-p", str(tmp_path), "-c", str(config), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 10
            while True:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", listen), timeout=0.2):
                    break
                assert process.poll() is None, process.stderr.read().decode() if process.stderr else "nginx exited"
                assert time.monotonic() < deadline, "nginx did not start listening"
                time.sleep(0.05)
            yield listen, services
        finally:
            process.terminate()
            process.wait(timeout=10)


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_running_gateway_strips_prefixes_and_keeps_open311(
    running_gateway: tuple[int, dict[str, ThreadingHTTPServer]],
) -> None:
    port, _ = running_gateway
    expectations = [
        ("/api/pin/v1/healthz", "pin-service", "/healthz"),
        (
            "/api/pin/v1/service-points/nearby?lat=13.75&lon=100.5",
            "pin-service",
            "/service-points/nearby?lat=13.75&lon=100.5",
        ),
        ("/api/nocopy/v1/service-points/P1/readiness", "nocopy-service", "/service-points/P1/readiness"),
        ("/api/feedback/v1/complaints/ABC123", "feedback-service", "/complaints/ABC123"),
        (
            "/api/stats/v1/ministries/M07/departments?format=csv",
            "stats-service",
            "/ministries/M07/departments?format=csv",
        ),
        ("/api/card/v1/sessions/s-1", "card-gateway", "/sessions/s-1"),
        ("/open311/v2/services.json", "feedback-service", "/open311/v2/services.json"),
    ]
    for path, service, upstream_path in expectations:
        status, _, body = get(port, path)
        assert status == 200, path
        answer = json.loads(body)
        assert (answer["service"], answer["path"]) == (service, upstream_path), path


def test_running_gateway_passes_and_makes_request_ids(
    running_gateway: tuple[int, dict[str, ThreadingHTTPServer]],
) -> None:
    port, _ = running_gateway
    _, headers, body = get(port, "/api/stats/v1/overview", {"X-Request-ID": "req-1234"})
    assert json.loads(body)["request_id"] == "req-1234"
    assert headers["x-request-id"] == "req-1234"
    _, headers, body = get(port, "/api/stats/v1/overview")
    made = json.loads(body)["request_id"]
    assert made and re.fullmatch(r"[0-9a-f]{32}", made)
    assert headers["x-request-id"] == made


def test_running_gateway_answers_problems_in_json(running_gateway: tuple[int, dict[str, ThreadingHTTPServer]]) -> None:
    port, services = running_gateway
    status, headers, body = get(port, "/no/such/route")
    assert status == 404
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["status"] == 404
    services["card-gateway"].shutdown()
    services["card-gateway"].server_close()
    status, headers, body = get(port, "/api/card/v1/readers")
    assert status == 503
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["status"] == 503
    status, _, body = get(port, "/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok"}
