"""System checks (authfort.E00x / W00x): misconfigurations found at startup."""
