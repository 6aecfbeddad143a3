"""`python -m card_agent --gateway http://127.0.0.1:8080 --token TOKEN`: the counter PC's reader agent."""

import argparse
import asyncio
import os
import sys

import structlog
from websockets.exceptions import InvalidStatus

from card_agent.agent import DEFAULT_WS_PATH, Agent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="card_agent", description="Reads Thai ID cards through PC/SC when the card gateway asks."
    )
    parser.add_argument("--gateway", required=True, help="e.g. http://127.0.0.1:8080")
    parser.add_argument(
        "--token",
        default=os.environ.get("CARD_AGENT_TOKEN"),
        help="the token POST /api/card/v1/agents returned (or CARD_AGENT_TOKEN)",
    )
    parser.add_argument("--ws-path", default=DEFAULT_WS_PATH, help="the WebSocket path on the gateway")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("--token (or CARD_AGENT_TOKEN) is required")
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    try:
        asyncio.run(Agent(args.gateway, args.token, ws_path=args.ws_path).run())
    except InvalidStatus as error:
        print(f"card_agent: the gateway refused the agent: HTTP {error.response.status_code}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
