"""Domain errors. service/web/problems.py maps the ones a client can cause to HTTP."""


class RuleFileError(Exception):
    """A file under rules/ is not valid; start-up stops with this message."""

    def __init__(self, file: str, entry: str | None, reason: str, kind: str = "rule") -> None:
        self.file = file
        self.entry = entry
        self.reason = reason
        where = f"{file}: {kind} {entry!r}" if entry else file
        super().__init__(f"{where}: {reason}")


class EngineError(Exception):
    """The rules engine failed while evaluating; the request gets a 500 without details."""
