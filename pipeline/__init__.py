"""The DAG, the local runner, caching, the run store, locks, configs and the CLI."""
