"""Test helpers shared by every test package (loopback HTTP server, token minting)."""
