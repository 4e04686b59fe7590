"""`python -m service.healthcheck`: exit 0 when /healthz answers 200 on this host, else 1.

The container's HEALTHCHECK runs it, so the image needs no curl.
"""

import sys
import urllib.error
import urllib.request

from service.config import get_settings


def main() -> int:
    port = get_settings().port
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as answer:
            return 0 if answer.status == 200 else 1
    except (OSError, urllib.error.URLError):
        return 1


if __name__ == "__main__":
    sys.exit(main())
