"""Test support for every package of the platform: the pytest plugin `nowrongdoor.testing.plugin`.

It is registered through the `pytest11` entry point, so installing `nowrongdoor` is enough to get
the `nats_url`, `redis_url`, `database_url`, `bus_namespace`, `redis_prefix` and
`declared_services` fixtures.
"""
