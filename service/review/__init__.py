"""The review page for the clinical team (GET /review) and the plain-language rule explainer behind it."""
