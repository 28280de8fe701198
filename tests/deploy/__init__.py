"""Deployment artifacts tested offline (manifests, Dockerfile, nginx, gunicorn) and through the local rig."""
