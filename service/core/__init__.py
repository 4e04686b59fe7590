"""The recommendation core: request facts, the rules engine and its actions, the catalog, ranking and text."""
