import hashlib

from card_gateway.domain.agent_tokens import new_agent_token, token_digest


def test_the_digest_is_the_sha256_of_the_token() -> None:
    credentials = new_agent_token()
    assert credentials.digest == hashlib.sha256(credentials.token.encode()).hexdigest()
    assert token_digest(credentials.token) == credentials.digest


def test_tokens_are_long_random_and_url_safe() -> None:
    tokens = {new_agent_token().token for _ in range(100)}
    assert len(tokens) == 100
    for token in tokens:
        assert len(token) >= 43  # 32 random bytes in base64url
        assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
