"""The nginx gateway in its three environments (`make up`, docker-compose, Kubernetes): one set of
routes (deploy/gateway/) that each environment loads from the same file, the routes of CONTRACT.md,
checked by reading the files each environment really gives nginx, by `nginx -t`, and by running nginx
in front of stand-in services."""

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
    GATEWAY_DIR,
    GATEWAY_PORT,
    GATEWAY_ROUTES,
    K8S_BASE,
    NGINX_CONFIGS,
    SERVICE_PORTS,
    SHARED_GATEWAY_FILES,
    GatewayConfig,
    GatewayFiles,
    load_yaml_documents,
    parse_nginx,
    walk,
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


# What an environment's own config may say: process, paths, listen, upstream addresses, trusted
# proxies. Anything else (a location, a header, a limit, a map) belongs in the shared files.
ENVIRONMENT_SPECIFIC_DIRECTIVES = {
    "user", "worker_processes", "pid", "error_log", "daemon", "events", "worker_connections", "http",
    "include", "access_log", "client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path",
    "uwsgi_temp_path", "scgi_temp_path", "resolver", "upstream", "zone", "server", "keepalive",
    "keepalive_time", "listen", "server_name", "root", "set_real_ip_from", "real_ip_header", "real_ip_recursive",
}  # fmt: skip
REAL_IP_DIRECTIVES = {"set_real_ip_from", "real_ip_header", "real_ip_recursive"}


def test_config_parses_with_balanced_blocks(nginx_config_name: str, gateway_files: dict[str, GatewayFiles]) -> None:
    for name, text in gateway_files[nginx_config_name].items():
        try:
            parse_nginx(text)
        except ValueError as error:
            raise AssertionError(f"{nginx_config_name} {name}: {error}") from error


def test_every_environment_loads_the_shared_files_unchanged(gateway_files: dict[str, GatewayFiles]) -> None:
    """No drift possible: each environment's nginx reads deploy/gateway/*.conf byte for byte (copied by
    the devstack, mounted by compose, projected from a ConfigMap generated from them in Kubernetes)."""
    for environment, files in gateway_files.items():
        for shared in SHARED_GATEWAY_FILES:
            assert files.get(f"gateway/{shared}") == (GATEWAY_DIR / shared).read_text(), (environment, shared)


def test_shared_files_are_included_where_they_belong(gateway_files: dict[str, GatewayFiles]) -> None:
    for environment, files in gateway_files.items():
        tree = parse_nginx(files["nginx.conf"])
        (http,) = [d for d in tree if d.name == "http"]
        assert ["gateway/http.conf"] in [d.args for d in http.children("include")], environment
        (server,) = http.children("server")
        assert [d.args for d in server.children("include")] == [["gateway/routes.conf"]], environment


def test_environments_say_only_what_differs(gateway_files: dict[str, GatewayFiles]) -> None:
    """Routes, headers, limits and maps are not written per environment: its own files hold only the
    directives that must differ (so a route added in one place is a route everywhere)."""
    for environment, files in gateway_files.items():
        for name, text in files.items():
            if name.startswith("gateway/"):
                continue
            used = {d.name for d in walk(parse_nginx(text))}
            assert used <= ENVIRONMENT_SPECIFIC_DIRECTIVES, (
                f"{environment} {name}: {used - ENVIRONMENT_SPECIFIC_DIRECTIVES}"
            )


def test_all_environments_serve_the_same_routes(gateway_configs: dict[str, GatewayConfig]) -> None:
    native = gateway_configs["native"]
    assert set(GATEWAY_ROUTES) <= set(native.locations)
    for environment in ("compose", "k8s"):
        assert gateway_configs[environment].locations == native.locations, environment
        for prefix in GATEWAY_ROUTES:
            assert upstream_of(gateway_configs[environment], prefix)[1] == upstream_of(native, prefix)[1]
        assert set(gateway_configs[environment].upstreams) == set(native.upstreams), environment


def test_gateway_listens_on_8080(nginx_config_name: str, gateway_configs: dict[str, GatewayConfig]) -> None:
    # Natively only on loopback (nothing may reach it from the network); in a container on every address.
    expected = f"127.0.0.1:{GATEWAY_PORT}" if nginx_config_name == "native" else str(GATEWAY_PORT)
    assert gateway_configs[nginx_config_name].listen == [expected]


def test_every_contract_prefix_reaches_its_service(
    nginx_config_name: str, gateway_configs: dict[str, GatewayConfig]
) -> None:
    config = gateway_configs[nginx_config_name]
    for prefix, (service, strips) in GATEWAY_ROUTES.items():
        assert prefix in config.locations, f"no location for {prefix}"
        server, stripped = upstream_of(config, prefix)
        host, _, port = server.rpartition(":")
        expected_host = "127.0.0.1" if nginx_config_name == "native" else service
        assert (host, int(port)) == (expected_host, SERVICE_PORTS[service]), f"{prefix} goes to {server}"
        assert stripped == strips, f"{prefix}: {'strip' if strips else 'keep'} the prefix"


def test_gateway_answers_its_own_probes(nginx_config_name: str, gateway_configs: dict[str, GatewayConfig]) -> None:
    locations = gateway_configs[nginx_config_name].locations
    for probe in ("/healthz", "/readyz"):
        returns = [d.args for d in locations[f"= {probe}"].block or [] if d.name == "return"]
        assert returns and returns[0][0] == "200", probe


def test_only_kubernetes_trusts_a_proxy_for_the_client_address(gateway_configs: dict[str, GatewayConfig]) -> None:
    """Behind ingress-nginx every request comes from the controller's pod; natively and in compose
    nothing stands in front, so a client's X-Forwarded-For must not be believed."""
    for environment in ("native", "compose"):
        assert not [d for d in walk(gateway_configs[environment].tree) if d.name in REAL_IP_DIRECTIVES], environment
    real_ip: dict[str, list[list[str]]] = {}
    for directive in walk(gateway_configs["k8s"].tree):
        if directive.name in REAL_IP_DIRECTIVES:
            real_ip.setdefault(directive.name, []).append(directive.args)
    assert real_ip["real_ip_header"] == [["X-Forwarded-For"]]
    assert real_ip["real_ip_recursive"] == [["on"]]
    for (network,) in real_ip["set_real_ip_from"]:
        assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+/(8|1[0-9]|2[0-4])", network), f"trust a pod CIDR, not {network}"
        assert network != "0.0.0.0/0"


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


def test_k8s_gateway_gets_its_config_from_generators() -> None:
    kustomization = yaml.safe_load((K8S_BASE / "kustomization.yaml").read_text())
    generators = {g["name"]: g for g in kustomization["configMapGenerator"]}
    assert generators["gateway-nginx"]["files"] == [NGINX_CONFIGS["k8s"].name, "real-ip.conf"]
    assert "../../gateway" in kustomization["resources"]
    shared = yaml.safe_load((GATEWAY_DIR / "kustomization.yaml").read_text())
    (generator,) = shared["configMapGenerator"]
    assert generator["files"] == list(SHARED_GATEWAY_FILES)


# --- with a real nginx ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def runnable_config(
    files: GatewayFiles,
    listen_port: int,
    service_ports: dict[str, int],
    workdir: Path,
    trusted_proxy: str | None = None,
) -> Path:
    """An environment's gateway as it would run, written to `workdir` with its upstreams pointed at
    loopback ports, for the nginx installed here. `trusted_proxy` stands in for the pod CIDR (k8s)."""
    for name, text in files.items():
        if name == "nginx.conf":
            for service, port in service_ports.items():
                upstream = service.replace("-", "_")
                text = re.sub(
                    rf"(upstream {upstream} \{{[^}}]*?server )\S+?( resolve)?;", rf"\g<1>127.0.0.1:{port};", text
                )
            text = re.sub(rf"listen (127\.0\.0\.1:)?{GATEWAY_PORT};", f"listen 127.0.0.1:{listen_port};", text)
            text = re.sub(r"^pid .*;$", f"pid {workdir}/nginx.pid;", text, flags=re.M)
            text = re.sub(r"^daemon off;\n", "", text, flags=re.M)  # the test says so on the command line
            # Temp files and logs into the work directory (wherever the environment keeps them).
            text = re.sub(r"(_temp_path )\S*/([a-z_]+);", rf"\g<1>{workdir}/\g<2>;", text)
            text = re.sub(
                r"^(\s*(?:error|access)_log )(?!/dev/)\S*/([^/\s]+) ", rf"\g<1>{workdir}/\g<2> ", text, flags=re.M
            )
        if trusted_proxy is not None:
            text = re.sub(r"set_real_ip_from \S+;", f"set_real_ip_from {trusted_proxy};", text)
        path = workdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return workdir / "nginx.conf"


def require_nginx() -> str:
    nginx = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if nginx is None:
        pytest.fail("nginx is not installed")
    return nginx


def test_nginx_accepts_the_config(
    nginx_config_name: str, gateway_files: dict[str, GatewayFiles], tmp_path: Path
) -> None:
    nginx = require_nginx()
    files = gateway_files[nginx_config_name]
    config = runnable_config(files, free_port(), dict.fromkeys(SERVICE_PORTS, 9), tmp_path)
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(config)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr


class EchoService(BaseHTTPRequestHandler):
    """A stand-in service: answers every request with its name, the path it got, its request id and
    the client address the gateway vouches for."""

    service_name = "?"
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

    def do_GET(self) -> None:
        body = json.dumps(
            {
                "service": self.service_name,
                "path": self.path,
                "request_id": self.headers.get("X-Request-ID"),
                "client": self.headers.get("X-Real-IP"),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.do_GET()

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


@contextlib.contextmanager
def nginx_in_front(
    files: GatewayFiles, workdir: Path, trusted_proxy: str | None = None
) -> Iterator[tuple[int, dict[str, ThreadingHTTPServer]]]:
    """nginx with these files in front of stand-in services: (its port, the services by name)."""
    nginx = require_nginx()
    with stand_in_services() as services:
        ports = {name: server.server_address[1] for name, server in services.items()}
        listen = free_port()
        config = runnable_config(files, listen, ports, workdir, trusted_proxy)
        process = subprocess.Popen(
            [nginx, "-p", str(workdir), "-c", str(config), "-g", "daemon off;"],
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


@pytest.fixture
def running_gateway(
    nginx_config_name: str, gateway_files: dict[str, GatewayFiles], tmp_path: Path
) -> Iterator[tuple[int, dict[str, ThreadingHTTPServer]]]:
    with nginx_in_front(gateway_files[nginx_config_name], tmp_path) as running:
        yield running


def get(
    port: int, path: str, headers: dict[str, str] | None = None, method: str = "GET", body: bytes | None = None
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(method, path, body=body, headers=headers or {})
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
    status, headers, body = get(port, "/api/no/such/route")
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


RATING = json.dumps({"service_point_id": "SP-1", "score": 5}).encode()
# More writes than the write limit's burst (100) plus what its 20/s refill adds while they are sent.
WRITES_PAST_THE_LIMIT = 200


def post_ratings(port: int, forwarded_for: list[str]) -> list[tuple[int, dict, bytes]]:
    return [
        get(
            port, "/api/feedback/v1/ratings", {"X-Forwarded-For": f, "Content-Type": "application/json"}, "POST", RATING
        )
        for f in forwarded_for
    ]


@pytest.mark.parametrize("environment", ["native", "compose"])
def test_spoofed_forwarded_for_does_not_change_the_rate_limit_key(
    environment: str, gateway_files: dict[str, GatewayFiles], tmp_path: Path
) -> None:
    """Nothing stands in front of these gateways: a burst of public writes, each claiming a different
    client in X-Forwarded-For, is still one client and is refused past the limit."""
    spoofed = [f"203.0.113.{n % 250 + 1}" for n in range(WRITES_PAST_THE_LIMIT)]
    with nginx_in_front(gateway_files[environment], tmp_path) as (port, _):
        answers = post_ratings(port, spoofed)
    refused = [(headers, body) for status, headers, body in answers if status == 429]
    assert refused, "the burst was never limited"
    headers, body = refused[0]
    assert headers["content-type"] == "application/problem+json" and headers["retry-after"] == "1"
    assert json.loads(body)["status"] == 429
    passed = [json.loads(body) for status, _, body in answers if status == 200]
    assert passed and {p["client"] for p in passed} == {"127.0.0.1"}, "services see the real peer"


def test_kubernetes_takes_the_client_from_the_ingress(gateway_files: dict[str, GatewayFiles], tmp_path: Path) -> None:
    """With the ingress controller (here: loopback, standing in for the pod CIDR) trusted, each citizen
    has their own limit and the services see their address; a client's own X-Forwarded-For entry to
    the left of the controller's is not believed."""
    clients = [f"203.0.113.{n % 250 + 1}" for n in range(WRITES_PAST_THE_LIMIT)]
    with nginx_in_front(gateway_files["k8s"], tmp_path, trusted_proxy="127.0.0.1") as (port, _):
        answers = post_ratings(port, clients)
        _, _, spoof = get(port, "/api/stats/v1/overview", {"X-Forwarded-For": "198.51.100.7, 203.0.113.9"})
        # A client behind a proxy we do not trust: that proxy, not the claimed address, is the client.
        _, _, untrusted = get(port, "/api/stats/v1/overview", {"X-Forwarded-For": "198.51.100.7, 192.0.2.1"})
    assert [status for status, _, _ in answers] == [200] * WRITES_PAST_THE_LIMIT
    assert [json.loads(body)["client"] for _, _, body in answers] == clients
    assert json.loads(spoof)["client"] == "203.0.113.9"
    assert json.loads(untrusted)["client"] == "192.0.2.1"


def test_gateway_without_a_web_build_says_so_in_html(gateway_files: dict[str, GatewayFiles], tmp_path: Path) -> None:
    """Compose's web root is empty until web/dist is built: `/` and client routes answer a Thai-first
    HTML page (503), not a problem+json meant for API clients."""
    with nginx_in_front(gateway_files["compose"], tmp_path) as (port, _):
        for path in ("/", "/points/SP-1"):
            status, headers, body = get(port, path)
            assert status == 503, path
            assert headers["content-type"] == "text/html"
            assert '<html lang="th">' in body.decode()
