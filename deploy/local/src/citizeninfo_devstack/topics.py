"""Creates every Kafka topic from the registry: `python -m citizeninfo_devstack.topics` (compose, k8s)."""

import os

from citizeninfo_shared.kafka import ensure_topics


def main() -> None:
    bootstrap = os.environ.get("CITIZENINFO_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    created = ensure_topics(bootstrap)
    print(f"created {len(created)} topic(s): {', '.join(created) or '-'}")


if __name__ == "__main__":
    main()
