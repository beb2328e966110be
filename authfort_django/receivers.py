"""Signal receivers, connected in AppConfig.ready()."""
