from citizeninfo_shared.settings import ServiceSettings


class StatsSettings(ServiceSettings):
    service_name: str = "stats-service"
    mongodb_database: str = "citizeninfo_stats"
    root_path: str = "/api/stats/v1"

    # Every read-model index is named "<prefix>-<read model>", e.g. citizeninfo-service-points.
    elasticsearch_index_prefix: str = "citizeninfo"

    # The Faust worker (a separate process from the API; see README).
    faust_app_id: str = "citizeninfo-stats"
    faust_web_host: str = "127.0.0.1"
    faust_web_port: int = 6066
    faust_store: str = "memory://"
    # Faust's working directory for local state; relative paths are taken from the working
    # directory (the native stack runs the worker in .run/data/faust). None: Faust's default.
    faust_data_dir: str | None = None
    # While Elasticsearch is unreachable the worker waits and retries, never skipping an event;
    # the wait between attempts grows up to this long.
    worker_retry_max_backoff_seconds: float = 10.0
    # Faust levers, measured by `make bench` (bench/bench_aggregator.py, "levers"):
    # its Cython fast paths (a stream takes values already queued without awaiting; off by default in
    # Faust), how many fetched messages a partition's buffer holds, and whether Faust's Monitor
    # counts every event (nothing here reads it: the worker's own /metrics count what it wrote).
    faust_cython_optimizations: bool = False
    faust_stream_buffer_maxsize: int = 4096
    faust_monitor_events: bool = True

    # Events are written to Elasticsearch in batches of up to this many per agent, and a batch waits
    # at most this long to fill: small enough for the 5 s freshness promise, large enough for bulk.
    worker_batch_size: int = 2000
    worker_batch_seconds: float = 0.25
    # Ratings and complaints are whole documents whose order does not matter, so several batches of
    # them may be written at once (the points' agents stay at one, to keep each partition's order).
    # One is fastest on a small machine: Faust's per-message work, not Elasticsearch, is the limit.
    worker_document_concurrency: int = 1
    # How soon a write becomes visible to searches; Elasticsearch's default is 1 s.
    elasticsearch_refresh_interval: str = "500ms"
    # Appended to every event topic name the worker reads. Empty in service; the benchmark runs a
    # second worker on its own copies of the topics (e.g. ".bench") so the real ones stay clean.
    worker_topic_suffix: str = ""

    # Satisfaction: see the README for the formula.
    # Prior weight of the national mean in the fair score, in (weighted) ratings.
    fair_score_prior_weight: float = 10.0
    # A verified rating (tied to a real visit) counts this many times an unverified one.
    verified_rating_weight: float = 2.0
    # Units with fewer ratings than this in the window get a fair score but no rank.
    minimum_ratings_to_rank: int = 20
    # Reconciliation looks at citizens' reports of this many days back.
    reconciliation_days: int = 30
