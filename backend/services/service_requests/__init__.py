"""Requests for services the catalog lacks: asked by enterprises, settled by admins."""
