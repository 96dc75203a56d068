"""Page routes by area; `web.routes` puts them together."""
