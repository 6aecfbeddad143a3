"""What an id from the catalogue (ministry, department, service, service point) may look like.

Every service refuses anything else with 422 before it reaches a database: a NUL or a control
character in a query would otherwise come back from the MongoDB-wire server as a 503.
"""

CATALOGUE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"

# A client's idempotency key (bulk pins and surveys): printable ASCII, no spaces, at most 100 characters.
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,100}$"
