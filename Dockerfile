# syntax=docker/dockerfile:1
# Every No Wrong Door image, one target per deployable:
#   docker build --target gateway -t nowrongdoor-gateway .
# Targets: gateway, intake, routing, case-tracking, notifications, and tools (every deployable
# plus the `nowrongdoor` command, for one-off tasks such as `nowrongdoor migrate`).
# One file with a target each rather than five files: the images differ only in the package they
# install and the command they run, and the wheels are built once for all of them.

# -- wheels: the shared library, every deployable and every dependency, at the pinned versions --
FROM python:3.11-slim AS wheels
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
COPY constraints.txt ./
COPY libs/nowrongdoor/ libs/nowrongdoor/
COPY gateway/ gateway/
COPY services/ services/
RUN --mount=type=cache,target=/root/.cache/pip \
    pip wheel --wheel-dir /wheels --constraint constraints.txt \
        ./libs/nowrongdoor ./gateway ./services/intake ./services/routing \
        ./services/case-tracking ./services/notifications

# -- one virtual environment per image, without pip, holding only what that image runs ----------
# Naming the wheel files, not the projects, pins each one to the version built above. Every wheel
# needs plain `nowrongdoor`: its `local` and `testing` extras (embedded servers, pytest) stay out.
FROM wheels AS venv-gateway
RUN python -m venv --without-pip /opt/venv \
    && pip --python /opt/venv/bin/python install --no-cache-dir --no-index \
        --find-links /wheels /wheels/nowrongdoor_gateway-*.whl

FROM wheels AS venv-intake
RUN python -m venv --without-pip /opt/venv \
    && pip --python /opt/venv/bin/python install --no-cache-dir --no-index \
        --find-links /wheels /wheels/nowrongdoor_intake-*.whl

FROM wheels AS venv-routing
RUN python -m venv --without-pip /opt/venv \
    && pip --python /opt/venv/bin/python install --no-cache-dir --no-index \
        --find-links /wheels /wheels/nowrongdoor_routing-*.whl

FROM wheels AS venv-case-tracking
RUN python -m venv --without-pip /opt/venv \
    && pip --python /opt/venv/bin/python install --no-cache-dir --no-index \
        --find-links /wheels /wheels/nowrongdoor_case_tracking-*.whl

FROM wheels AS venv-notifications
RUN python -m venv --without-pip /opt/venv \
    && pip --python /opt/venv/bin/python install --no-cache-dir --no-index \
        --find-links /wheels /wheels/nowrongdoor_notifications-*.whl

FROM wheels AS venv-tools
RUN python -m venv --without-pip /opt/venv \
    && pip --python /opt/venv/bin/python install --no-cache-dir --no-index \
        --find-links /wheels /wheels/nowrongdoor_gateway-*.whl /wheels/nowrongdoor_intake-*.whl \
        /wheels/nowrongdoor_routing-*.whl /wheels/nowrongdoor_case_tracking-*.whl \
        /wheels/nowrongdoor_notifications-*.whl

# -- runtime: what every final image shares -------------------------------------------------------
FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NWD_DATA_DIR=/var/lib/nowrongdoor
# A fixed UID, so volume ownership and Kubernetes' runAsUser/fsGroup agree with the image. The key
# folders are mount points owned by that user, so a fresh named volume there is writable by it.
RUN groupadd --system --gid 10001 nowrongdoor \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin nowrongdoor \
    && install -d -o 10001 -g 10001 -m 0750 /var/lib/nowrongdoor \
        /etc/nowrongdoor/signing-key /etc/nowrongdoor/verification-keys
WORKDIR /var/lib/nowrongdoor
USER 10001:10001
EXPOSE 8000
# Python, not curl, which the slim image lacks; no proxy, so HTTP_PROXY cannot redirect the probe.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.build_opener(u.ProxyHandler({})).open('http://127.0.0.1:8000/healthz', timeout=2)"]

# -- the images ------------------------------------------------------------------------------------
# No uvicorn access log: it would print client addresses; the services log requests without them.
FROM runtime AS gateway
COPY --from=venv-gateway /opt/venv /opt/venv
CMD ["uvicorn", "gateway.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--no-access-log"]

FROM runtime AS intake
COPY --from=venv-intake /opt/venv /opt/venv
CMD ["uvicorn", "intake.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--no-access-log"]

FROM runtime AS routing
COPY --from=venv-routing /opt/venv /opt/venv
CMD ["uvicorn", "routing.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--no-access-log"]

FROM runtime AS case-tracking
COPY --from=venv-case-tracking /opt/venv /opt/venv
CMD ["uvicorn", "case_tracking.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--no-access-log"]

FROM runtime AS notifications
COPY --from=venv-notifications /opt/venv /opt/venv
CMD ["uvicorn", "notifications.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--no-access-log"]

FROM runtime AS tools
COPY --from=venv-tools /opt/venv /opt/venv
HEALTHCHECK NONE
CMD ["nowrongdoor", "--help"]
