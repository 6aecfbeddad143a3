"""`/metrics` on the Faust web server, for Prometheus to scrape the worker (127.0.0.1:6066/metrics)."""

from faust import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from stats_service.worker.app import app


@app.page("/metrics")
class MetricsView(web.View):
    async def get(self, request: web.Request) -> web.Response:
        # Passed as a header: aiohttp refuses a content_type argument that carries a charset.
        return self.bytes(generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})
