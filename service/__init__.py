"""nextsteps: ranked, explained next steps when cancer second opinions differ."""
