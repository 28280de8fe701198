"""Deployment pieces that are code: the local multi-replica rig (infra.sim)."""
