# One image for every Shouwang service; the command picks the service:
#   python -m services.gateway | identity | location | tasks | points
# Built by `make image` (k8s/build-image: buildah, chroot isolation, no daemon) on a Debian
# bookworm base made locally with `debootstrap --variant=minbase --include=python3,...` and
# imported as localhost/shouwang-base:bookworm, since no image registry is reachable here.
# No HEALTHCHECK: Kubernetes probes the services (gRPC health, /readyz; see k8s/shouwang).
# The process runs as uid 10001 and writes nothing outside /tmp: read-only-root friendly.
ARG BASE=localhost/shouwang-base:bookworm

FROM ${BASE} AS build
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv \
 && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml /src/pyproject.toml
# The runtime dependencies only, read from pyproject.toml (no dev or bench extras).
RUN python3 -c "import tomllib; print('\n'.join(tomllib.load(open('/src/pyproject.toml', 'rb'))['project']['dependencies']))" >/src/requirements.txt
# A build secret `pip-ca` (a CA bundle) is used by pip when given: where a proxy re-signs TLS.
RUN --mount=type=secret,id=pip-ca \
    python3 -m venv /opt/shouwang \
 && if [ -s /run/secrets/pip-ca ]; then export PIP_CERT=/run/secrets/pip-ca; fi \
 && /opt/shouwang/bin/pip install --no-cache-dir --disable-pip-version-check -q -r /src/requirements.txt \
 && /opt/shouwang/bin/pip uninstall -y -q pip \
 && find /opt/shouwang -name tests -type d -path '*/numpy/*' -prune -exec rm -rf {} +

FROM ${BASE}
COPY --from=build /opt/shouwang /opt/shouwang
# The code as the repository lays it out: the gateway serves web/console/dist and web/app/dist
# next to services/; simulator/ is the demo `shouwang up` runs unless --no-demo.
# (The packages pyproject.toml lists under [tool.setuptools.packages.find].)
COPY shouwang /app/shouwang
COPY services /app/services
COPY allinone /app/allinone
COPY simulator /app/simulator
COPY web/console/dist /app/web/console/dist
COPY web/app/dist /app/web/app/dist
# Bytecode compiled now: the root filesystem is read-only at run time.
RUN python3 -m compileall -q /app \
 && groupadd --system --gid 10001 shouwang \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin shouwang
ENV PATH=/opt/shouwang/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TMPDIR=/tmp
WORKDIR /app
USER 10001:10001
EXPOSE 8080 50051 9464
CMD ["python", "-m", "services.gateway"]
