import base64
import json

from card_agent.agent import card_payload, readers_message, websocket_url


def test_the_websocket_url_follows_the_gateway_scheme() -> None:
    assert websocket_url("http://127.0.0.1:8080") == "ws://127.0.0.1:8080/api/card/v1/agents/ws"
    assert websocket_url("https://gw.example/", "/agents/ws") == "wss://gw.example/agents/ws"


def test_readers_are_reported_with_presence_and_event_count() -> None:
    message = json.loads(readers_message({"B": (False, 2), "A": (True, 5)}))
    assert message == {
        "type": "readers",
        "readers": [
            {"name": "A", "card_present": True, "card_events": 5},
            {"name": "B", "card_present": False, "card_events": 2},
        ],
    }


def test_the_photo_travels_as_base64() -> None:
    payload = card_payload({"citizen_id": "1", "photo_jpeg": b"\xff\xd8\x00\xff\xd9"})
    assert base64.b64decode(payload["photo_jpeg"]) == b"\xff\xd8\x00\xff\xd9"
