"""The web chat channel: a small page and its JSON API."""
