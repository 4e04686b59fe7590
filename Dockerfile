# nextsteps: the API in a small image, run as a non-root user.
# Build: docker build -t nextsteps .   Run: docker run -p 8000:8000 nextsteps
# durable-rules 2.0.28 ships only as source, so it is compiled in the build stage; on Python 3.13 with
# CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject (3.13 removed that call; its setup.py overwrites CFLAGS).

FROM python:3.13-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
# A C compiler for durable-rules; the Python headers come with the official image and are added
# from Debian only where the interpreter has none (a Debian-based stand-in of the base image).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && if [ ! -e "$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h" ]; then \
      apt-get install -y --no-install-recommends python3-dev; fi \
 && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/venv
WORKDIR /src
# The pinned dependencies first, in their own layer: a code change does not recompile durable-rules.
COPY pyproject.toml ./
RUN python3 -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
      > requirements.txt \
 && CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject /opt/venv/bin/python -m pip install --no-cache-dir -r requirements.txt \
 && /opt/venv/bin/python -c 'import durable_rules_engine'
COPY service ./service
RUN /opt/venv/bin/python -m pip install --no-cache-dir --no-deps . \
 && /opt/venv/bin/python -m pip uninstall --yes pip

FROM python:3.13-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    WORKERS=2 \
    RULES_DIR=/app/rules \
    DATA_DIR=/var/lib/nextsteps
# WeasyPrint (the handout's PDF) needs pango; the PDF's fonts come from the image (DejaVu), never fetched.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/venv /opt/venv
COPY rules /app/rules
# The SQLite decision store when DATABASE_URL is not set: a volume, so it outlives the container and is
# writable with a read-only root filesystem. Replicas that share one store use DATABASE_URL (PostgreSQL).
RUN mkdir -p /var/lib/nextsteps && chown 10001:10001 /var/lib/nextsteps
VOLUME /var/lib/nextsteps
WORKDIR /app
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
  CMD ["python", "-m", "service.healthcheck"]
CMD ["python", "-m", "service"]
