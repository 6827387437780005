"""Report formats: text, json, markdown, junit, html."""
