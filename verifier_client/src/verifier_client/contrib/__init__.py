"""Framework adapters. Import them as `verifier_client.drf` and `verifier_client.flask`.

Each needs its framework, installed with the matching extra:
`pip install "verifier-client[drf]"` or `pip install "verifier-client[flask]"`.
"""
