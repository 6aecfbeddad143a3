"""The Faust worker that keeps the stats read model in Elasticsearch up to date with the event topics."""
