"""Offline-first data: bundled sets, synthetic generators and the download registry."""
