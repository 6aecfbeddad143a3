"""The replicated cluster's fixtures (`make cluster-test`, CITIZENINFO_TEST_TARGET=cluster): the same
gateway and administrator as the integration tests, against the cluster that `make cluster-up` started."""

from tests.integration.conftest import admin_credentials, admin_headers, gateway, stack

__all__ = ["admin_credentials", "admin_headers", "gateway", "stack"]
