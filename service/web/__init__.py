"""HTTP plumbing for every route: limits, time limit, security headers, telemetry, problems, logs, metrics."""
