# ldb's HTTP service: `ldb serve` as an unprivileged user, each program run under bubblewrap.
#
#   docker build -t ldb .
#   docker run --rm --init -p 8000:8000 -v ldb-state:/var/lib/ldb \
#       --security-opt seccomp=docker/seccomp-ldb.json \
#       --security-opt systempaths=unconfined \
#       --security-opt apparmor=unconfined \
#       ldb
#
# Docker's default seccomp profile, its masks over /proc and its AppArmor profile each stop
# bubblewrap from making a sandbox; the README ("Docker") says what each option allows and why
# no --cap-add is needed. Without a working sandbox the service refuses to start.

# Debian 12's bubblewrap (0.8) is the one ldb's tests run against.
FROM python:3.11-slim-bookworm

# Debian's security updates replace the package version in place; pinning it would break the
# build on each one.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /usr/src/ldb
COPY pyproject.toml README.md ./
COPY ldb ./ldb
COPY api ./api
RUN pip install --no-cache-dir . \
    && rm -rf /usr/src/ldb

# The service's results and jobs live in the volume, owned by the user the service runs as
# (numeric below, so that a runtime can tell it is not root without reading /etc/passwd).
RUN groupadd --system --gid 10001 ldb \
    && useradd --system --uid 10001 --gid ldb --home-dir /var/lib/ldb --create-home \
        --shell /usr/sbin/nologin ldb
ENV LDB_DATABASE=/var/lib/ldb/service.sqlite3 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
VOLUME ["/var/lib/ldb"]
WORKDIR /var/lib/ldb
USER 10001:10001

EXPOSE 8000
# /health needs no token. A slim image has no curl: Python asks instead.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status != 200)"]
CMD ["ldb", "serve", "--host", "0.0.0.0"]
